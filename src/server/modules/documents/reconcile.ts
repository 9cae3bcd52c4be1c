import { connectAdministration } from '../bridge/index.ts';
import { onRequest, type RequestableType, recordKey } from './claims.ts';
import type { DocumentsDeps } from './wallet.ts';

/**
 * Why a document no longer holds, from its registry records: the holder died, the licence was
 * suspended or withdrawn, the vehicle changed hands, the diploma was annulled. Undefined: it holds.
 */
function stillHolds(
  type: RequestableType,
  person: { deathDate: string | null } | undefined,
  record: Record<string, unknown> | undefined,
): string | undefined {
  if (!person) return 'the person is no longer in the population register';
  if (person.deathDate) return 'the holder is registered as deceased';
  if (!onRequest[type].records) return undefined;
  if (!record) return `the ${onRequest[type].registry} record no longer exists in the holder's name`;
  if (record.status === 'suspended' || record.status === 'stolen' || record.status === 'withdrawn')
    return `the ${onRequest[type].registry} record is ${String(record.status)}`;
  return undefined;
}

/**
 * The sweep: the valid documents checked longest ago (a batch), each compared with its record
 * through the bridge by its issuer; a document whose record changed is revoked, with the reason.
 * Runs in the worker role; several workers share the rows (SKIP LOCKED on the claim).
 */
export async function reconcileDocuments(
  deps: DocumentsDeps,
  batch = 50,
): Promise<{ checked: number; revoked: number }> {
  const now = deps.clock();
  const rows = await deps.database.query<{
    id: string;
    nin: string;
    type: string;
    issuer: string;
    source: string | null;
  }>(
    `UPDATE documents_credentials SET checked_at = $1
      WHERE id IN (SELECT id FROM documents_credentials
                    WHERE revoked_at IS NULL AND expires_at > $1 AND type = ANY($3::text[])
                    ORDER BY checked_at NULLS FIRST, issued_at LIMIT $2 FOR UPDATE SKIP LOCKED)
      RETURNING id, nin, type, issuer, source`,
    [now, batch, Object.keys(onRequest)],
  );
  let revoked = 0;
  const key = await deps.bridgeKey();
  for (const row of rows) {
    const type = row.type as RequestableType;
    const { registry, records } = onRequest[type];
    const bridge = await connectAdministration(
      {
        database: deps.database,
        audit: deps.audit,
        instance: deps.country.code,
        bridgeUrl: deps.bridgeUrl,
        key,
      },
      {
        organisation: row.issuer,
        subsystem: 'documents',
        registries: [...new Set(['people', registry])],
        legalBasis: "Keeping the citizen's documents true to the registries (revocation)",
        subject: { nin: row.nin, issue: `document:${row.id}` },
      },
    );
    const personAnswer = await bridge.call('people', { path: `/people/${encodeURIComponent(row.nin)}` });
    // A registry that does not answer proves nothing: the document is checked again later.
    if (personAnswer.status !== 200 && personAnswer.status !== 404) continue;
    const person =
      personAnswer.status === 200 ? (personAnswer.json() as { deathDate: string | null }) : undefined;
    let record: Record<string, unknown> | undefined;
    if (records && person) {
      const answer = await bridge.call(registry, {
        path: `/people/${encodeURIComponent(row.nin)}/${records}`,
      });
      if (answer.status !== 200) continue;
      record = (answer.json() as { records: Array<Record<string, unknown>> }).records.find(
        (r) => r[recordKey[registry]!] === row.source,
      );
    }
    const reason = stillHolds(type, person, record);
    if (!reason) continue;
    const done = await deps.database.query(
      'UPDATE documents_credentials SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL RETURNING id',
      [row.id, now, reason],
    );
    if (!done.length) continue;
    revoked++;
    await deps.audit.record({
      actor: { kind: 'system', id: 'documents' },
      action: 'documents.credential.revoked',
      subject: { kind: 'document', id: row.id },
      outcome: 'success',
      details: { reason, registry },
    });
  }
  return { checked: rows.length, revoked };
}
