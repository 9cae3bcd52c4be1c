import { randomUUID } from 'node:crypto';
import type { Database } from '../../platform/db/database.ts';
import { Problem } from '../../platform/http/problems.ts';
import { type ConsentHook, legalBasisOnly } from '../bridge/index.ts';
import type { ConsentView } from './consent-view.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The bridge's consent check for personal-data services. A call naming a consent
 * (`X-Jokko-Consent`) is forwarded only if that consent is ACTIVE, inside its period, held by the
 * calling subsystem, for the citizen named in `X-Jokko-Subject`, covers the service, and its
 * frequency allows one more call. Consents come from the ConsentView (at most 800 ms old, so a
 * pause or revocation holds on every node within a second). Without a consent the legal-basis
 * rule applies (administrations only).
 */
export function createConsentHook(database: Database, clock: () => Date, view: ConsentView): ConsentHook {
  return async (exchange) => {
    const header = exchange.request.headers['x-jokko-consent'];
    const consentId = Array.isArray(header) ? header[0] : header;
    if (!consentId) return legalBasisOnly(exchange);
    if (!uuid.test(consentId)) throw new Problem('consent-invalid', 'X-Jokko-Consent must be a consent id');
    const now = clock();
    const day = now.toISOString().slice(0, 10);
    const consent = await view.get(consentId, day);
    // One answer for "no such consent", "not yours" and "not this citizen": nothing to probe.
    if (!consent || consent.partner !== exchange.client?.clientId || consent.nin !== exchange.subject)
      throw new Problem('consent-invalid', 'No consent of this partner for this citizen has that id');
    const item = consent.items.find((i) => i.service === exchange.service?.serviceId);
    if (!item)
      throw new Problem('consent-invalid', `The consent does not cover ${exchange.service?.serviceId}`);
    const allowed = item.fields ? { consentId, fields: item.fields } : { consentId };
    if (consent.status !== 'ACTIVE')
      throw new Problem('consent-inactive', `The consent is ${consent.status}`);
    if (now < consent.validFrom || now >= consent.validUntil)
      throw new Problem('consent-inactive', 'The consent is outside its validity period');
    if (consent.frequency.type === 'once') {
      // A one-off consent is spent atomically, whatever node the call reaches.
      const spent = await database.query<{ uses: number }>(
        `UPDATE consents SET uses = uses + 1, first_used_at = COALESCE(first_used_at, $2)
          WHERE id = $1 AND uses = 0 RETURNING uses`,
        [consentId, now],
      );
      if (!spent.length)
        throw new Problem('consent-frequency-exceeded', 'This consent allowed one call, already made');
      await database.query(
        `INSERT INTO notify_outbox (id, channel, recipient, template, payload)
         VALUES ($1, 'push', $2, 'consent-first-use', $3::jsonb)`,
        [randomUUID(), consent.nin, JSON.stringify({ consentId, partner: consent.partner })],
      );
      view.forget(consentId);
      return allowed;
    }
    if (view.callsToday(consentId, consent) >= consent.frequency.perDay)
      throw new Problem(
        'consent-frequency-exceeded',
        `This consent allows ${consent.frequency.perDay} calls a day`,
      );
    view.count(consentId, consent);
    return allowed;
  };
}
