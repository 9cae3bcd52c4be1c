import { randomUUID } from 'node:crypto';
import type { Database } from '../../platform/db/database.ts';
import { Problem } from '../../platform/http/problems.ts';
import { type ConsentHook, legalBasisOnly } from '../bridge/index.ts';
import type { Frequency } from './artefact.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The bridge's consent check for personal-data services. A call naming a consent
 * (`X-Jokko-Consent`) is forwarded only if that consent is ACTIVE, inside its period, held by the
 * calling subsystem, for the citizen named in `X-Jokko-Subject`, covers the service, and its
 * frequency allows one more call (counted atomically here). The consent is read from the database
 * on every call, so a pause or a revocation holds on every node at once. Without a consent the
 * legal-basis rule applies (administrations only).
 */
export function createConsentHook(database: Database, clock: () => Date): ConsentHook {
  return async (exchange) => {
    const header = exchange.request.headers['x-jokko-consent'];
    const consentId = Array.isArray(header) ? header[0] : header;
    if (!consentId) return legalBasisOnly(exchange);
    if (!uuid.test(consentId)) throw new Problem('consent-invalid', 'X-Jokko-Consent must be a consent id');
    const [consent] = await database.query<{
      nin: string;
      partner: string;
      items: Array<{ service: string }>;
      status: string;
      valid_from: Date;
      valid_until: Date;
      frequency: Frequency;
    }>('SELECT nin, partner, items, status, valid_from, valid_until, frequency FROM consents WHERE id = $1', [
      consentId,
    ]);
    // One answer for "no such consent", "not yours" and "not this citizen": nothing to probe.
    if (!consent || consent.partner !== exchange.client?.clientId || consent.nin !== exchange.subject)
      throw new Problem('consent-invalid', 'No consent of this partner for this citizen has that id');
    if (!consent.items.some((i) => i.service === exchange.service?.serviceId))
      throw new Problem('consent-invalid', `The consent does not cover ${exchange.service?.serviceId}`);
    const now = clock();
    if (consent.status !== 'ACTIVE')
      throw new Problem('consent-inactive', `The consent is ${consent.status}`);
    if (now < new Date(consent.valid_from) || now >= new Date(consent.valid_until))
      throw new Problem('consent-inactive', 'The consent is outside its validity period');
    const day = now.toISOString().slice(0, 10);
    const limit = consent.frequency.type === 'once' ? 1 : consent.frequency.perDay;
    // One statement counts the call and the use, or nothing when the limit is reached.
    const counted =
      consent.frequency.type === 'once'
        ? await database.query<{ uses: number }>(
            `UPDATE consents SET uses = uses + 1, first_used_at = COALESCE(first_used_at, $2)
              WHERE id = $1 AND uses = 0 RETURNING uses`,
            [consentId, now],
          )
        : await database.query<{ uses: number }>(
            `WITH counted AS (
               INSERT INTO consent_usage (consent_id, day, calls) VALUES ($1, $2, 1)
               ON CONFLICT (consent_id, day) DO UPDATE SET calls = consent_usage.calls + 1 WHERE consent_usage.calls < $3
               RETURNING calls)
             UPDATE consents SET uses = uses + 1, first_used_at = COALESCE(first_used_at, $4)
              WHERE id = $1 AND EXISTS (SELECT 1 FROM counted) RETURNING uses`,
            [consentId, day, limit, now],
          );
    if (!counted.length)
      throw new Problem(
        'consent-frequency-exceeded',
        consent.frequency.type === 'once'
          ? 'This consent allowed one call, already made'
          : `This consent allows ${limit} calls a day`,
      );
    const uses = counted[0]?.uses;
    // The citizen hears when a partner first uses a consent.
    if (uses === 1)
      await database.query(
        `INSERT INTO notify_outbox (id, channel, recipient, template, payload)
         VALUES ($1, 'push', $2, 'consent-first-use', $3::jsonb)`,
        [
          randomUUID(),
          consent.nin,
          JSON.stringify({ consentId, partner: consent.partner, service: exchange.service?.serviceId }),
        ],
      );
    return { consentId };
  };
}
