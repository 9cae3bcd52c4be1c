import { Problem } from '../../../platform/http/problems.ts';
import type { Check } from '../exchange.ts';

/**
 * A personal-data service needs the citizen named (X-Jokko-Subject) and a consent or legal basis
 * for them; the consent hook decides and names what allowed the call, which the log records.
 */
export const requireConsent: Check = async (exchange, deps) => {
  if (!exchange.service?.personalData) return;
  if (!exchange.subject)
    throw new Problem('bridge-consent-required', 'Name the citizen concerned in X-Jokko-Subject (their NIN)');
  const decision = await deps.consent(exchange);
  if ('consentId' in decision) {
    exchange.consentId = decision.consentId;
    if (decision.fields) exchange.fields = decision.fields;
  } else exchange.legalBasis = decision.legalBasis;
};

/**
 * Until the consent module lands, only an administration whose access right declares a legal
 * basis may call a personal-data service.
 */
export const legalBasisOnly = async (exchange: Parameters<Check>[0]) => {
  const basis = exchange.right?.legalBasis;
  if (basis && exchange.client?.memberClass === 'GOV') return { legalBasis: basis };
  throw new Problem(
    'bridge-consent-required',
    'No consent covers this call and the access right declares no legal basis',
  );
};
