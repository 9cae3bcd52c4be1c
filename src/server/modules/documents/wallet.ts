import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import type { CountryProfile } from '../../../shared/countries/index.ts';
import { type DocumentType, documentTypes, vctOf } from '../../../shared/documents/types.ts';
import type { Actor, RequestOrigin } from '../../platform/actor.ts';
import { conflict, invalidInput, notFound, Problem } from '../../platform/http/problems.ts';
import { authorize } from '../../platform/policy.ts';
import type { SigningKey } from '../../platform/signing-keys.ts';
import { connectAdministration } from '../bridge/index.ts';
import { completedOutput } from '../eservices/index.ts';
import { claimsFor, onRequest, type RequestableType, recordKey } from './claims.ts';
import { issueCredential, signStatusList } from './credential.ts';
import { type DocumentKeysDeps, issuerKey } from './issuers.ts';
import { canAdministerDocuments, canHoldDocuments } from './policies.ts';
import { allocateStatusSlot, listSize, revokedIndexes } from './status.ts';

export interface DocumentsDeps extends DocumentKeysDeps {
  country: CountryProfile;
  publicUrl: string;
  bridgeUrl: string;
  /** Signs the bridge requests that read a document's registry data. */
  bridgeKey: () => Promise<SigningKey>;
}

export interface IssuedDocument {
  id: string;
  type: DocumentType;
  issuer: string;
  credential: string;
  issuedAt: string;
  expiresAt: string;
}

export const statusListUri = (publicUrl: string, issuer: string, list: number) =>
  `${publicUrl.replace(/\/+$/, '')}/v1/documents/status/${encodeURIComponent(issuer)}/${list}`;

/** The administration that owns a registry issues the documents made from it. */
async function ownerOf(deps: DocumentsDeps, registry: string): Promise<string> {
  const [row] = await deps.database.query<{ identifier: string }>(
    'SELECT o.identifier FROM registries r JOIN organisations o ON o.id = r.owner_id WHERE r.code = $1',
    [registry],
  );
  if (!row) throw new Problem('unavailable', `no administration holds the ${registry} registry`);
  return row.identifier;
}

/** A public P-256 key for the holder binding; a private key sent by mistake is refused, not stored. */
function holderKey(jwk: Record<string, unknown>): JsonWebKey {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string')
    throw invalidInput('body', '/holderKey', 'must be a public P-256 key (JWK with kty EC, crv P-256, x, y)');
  if ('d' in jwk) throw invalidInput('body', '/holderKey', 'must not contain the private key (d)');
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
}

/**
 * A citizen asks for one of their documents: the issuing administration reads the registry data
 * through the bridge (its `documents` subsystem, shown in the data tracker), and signs an SD-JWT
 * VC bound to the wallet's key with a slot in its status list. Jokko keeps who got what and the
 * slot, not the claims.
 */
export async function issueDocument(
  deps: DocumentsDeps,
  actor: Actor,
  input: { type: RequestableType; holderKey: Record<string, unknown>; source?: string },
  origin?: RequestOrigin,
): Promise<IssuedDocument> {
  authorize(actor, canHoldDocuments, undefined, 'hold documents');
  const holderJwk = holderKey(input.holderKey);
  const prepared = await documentFromRegistry(deps, actor, input);
  return signAndRecord(deps, actor, { ...prepared, holderJwk }, origin);
}

/** The claims of a document from the registries, read through the bridge by its issuer. */
export async function documentFromRegistry(
  deps: DocumentsDeps,
  actor: Actor,
  input: { type: RequestableType; source?: string },
) {
  authorize(actor, canHoldDocuments, undefined, 'hold documents');
  const nin = actor.nin!;
  const { registry, records } = onRequest[input.type];
  const issuer = await ownerOf(deps, registry);
  const id = randomUUID();
  const bridge = await connectAdministration(
    {
      database: deps.database,
      audit: deps.audit,
      instance: deps.country.code,
      bridgeUrl: deps.bridgeUrl,
      key: await deps.bridgeKey(),
    },
    {
      organisation: issuer,
      subsystem: 'documents',
      registries: [...new Set(['people', registry])],
      legalBasis: "Issuing the citizen's own document to their wallet, at their request",
      subject: { nin, issue: `document:${id}` },
    },
  );
  const personAnswer = await bridge.call('people', { path: `/people/${encodeURIComponent(nin)}` });
  if (personAnswer.status !== 200) throw new Problem('unavailable', 'the population register did not answer');
  const person = personAnswer.json() as Parameters<typeof claimsFor>[1];
  if (person.deathDate) throw conflict('this person is registered as deceased');
  let record: Record<string, unknown> | undefined;
  if (records) {
    const answer = await bridge.call(registry, { path: `/people/${encodeURIComponent(nin)}/${records}` });
    if (answer.status !== 200) throw new Problem('unavailable', `the ${registry} registry did not answer`);
    const list = (answer.json() as { records: Array<Record<string, unknown>> }).records;
    const key = recordKey[registry]!;
    record = input.source ? list.find((r) => r[key] === input.source) : list[0];
    if (!record)
      throw notFound(`no ${registry} record${input.source ? ` ${input.source}` : ''} in your name`);
    if (record.status === 'suspended' || record.status === 'stolen')
      throw conflict(`this ${registry} record is ${String(record.status)}: no document can be issued`);
  }
  const now = deps.clock();
  const { claims, source, expiresOn } = claimsFor(input.type, person, record, now);
  let expiresAt = new Date(now.getTime() + documentTypes[input.type].validityDays * 86_400_000);
  if (expiresOn && new Date(`${expiresOn}T23:59:59Z`) < expiresAt)
    expiresAt = new Date(`${expiresOn}T23:59:59Z`);
  if (expiresAt <= now) throw conflict('the record has expired: renew it first');
  return { id, nin, type: input.type as DocumentType, issuer, claims, source, now, expiresAt };
}

/**
 * The issuer signs the credential bound to the holder key, with a random slot in its status list;
 * Jokko records who got what and the slot, never the claims.
 */
export async function signAndRecord(
  deps: DocumentsDeps,
  actor: Actor,
  input: {
    id: string;
    nin: string;
    type: DocumentType;
    issuer: string;
    claims: Record<string, unknown>;
    holderJwk: JsonWebKey;
    source: string | null;
    now: Date;
    expiresAt: Date;
  },
  origin?: RequestOrigin,
): Promise<IssuedDocument> {
  const { id, issuer, now, expiresAt } = input;
  const key = await issuerKey(deps, issuer);
  const slot = await deps.database.transaction(async (tx) => {
    const allocated = await allocateStatusSlot(tx, issuer);
    await tx.query(
      `INSERT INTO documents_credentials (id, nin, type, issuer, kid, status_list, status_idx, holder_jkt, source, issued_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        id,
        input.nin,
        input.type,
        issuer,
        key.kid,
        allocated.list,
        allocated.idx,
        await calculateJwkThumbprint(input.holderJwk as never),
        input.source,
        now,
        expiresAt,
      ],
    );
    return allocated;
  });
  const credential = await issueCredential({
    issuer: { identifier: issuer },
    key,
    type: input.type,
    vct: vctOf(deps.publicUrl, input.type),
    claims: input.claims,
    holderJwk: input.holderJwk,
    status: { idx: slot.idx, uri: statusListUri(deps.publicUrl, issuer, slot.list) },
    issuedAt: now,
    expiresAt,
  });
  await deps.audit.record({
    actor,
    action: 'documents.credential.issued',
    subject: { kind: 'document', id },
    outcome: 'success',
    details: { type: input.type, issuer, kid: key.kid },
    ...(origin ? { origin } : {}),
  });
  return {
    id,
    type: input.type,
    issuer,
    credential,
    issuedAt: now.toISOString(),
    expiresAt: expiresAt.toISOString(),
  };
}

/** Documents that are e-service outputs, and their claims from the application's answers. */
const outputClaims: Partial<
  Record<DocumentType, (data: Record<string, unknown>, nin: string) => Record<string, unknown>>
> = {
  'criminal-record-extract': (d, nin) => ({
    given_name: d.givenNames,
    family_name: d.familyName,
    birthdate: d.birthDate,
    birth_place: d.birthPlace,
    nin,
    // The bulletin n° 3 as approved: no conviction recorded ("néant").
    convictions: [],
  }),
  'birth-certificate-extract': (d, nin) => ({
    given_name: d.givenNames,
    family_name: d.familyName,
    birthdate: d.birthDate,
    birth_place: d.birthPlace,
    nin,
  }),
};

/**
 * The output of a completed application into the wallet (a criminal record extract): issued by the
 * administration that decided, from the answers it approved, valid as long as the output.
 */
export async function issueApplicationDocument(
  deps: DocumentsDeps,
  actor: Actor,
  input: { application: string; holderKey: Record<string, unknown> },
  origin?: RequestOrigin,
): Promise<IssuedDocument> {
  authorize(actor, canHoldDocuments, undefined, 'hold documents');
  const holderJwk = holderKey(input.holderKey);
  const output = await completedOutput(deps.database, actor.nin!, input.application);
  if (!output) throw notFound('no completed application of yours with this id');
  const type = output.documentType as DocumentType | undefined;
  const claimsOf = type ? outputClaims[type] : undefined;
  if (!type || !claimsOf) throw conflict('the output of this procedure is not a wallet document');
  const now = deps.clock();
  const expiresAt = output.validUntil
    ? new Date(output.validUntil)
    : new Date(now.getTime() + documentTypes[type].validityDays * 86_400_000);
  if (expiresAt <= now) throw conflict('this output has expired: apply again');
  const claims = Object.fromEntries(
    Object.entries(claimsOf(output.data, actor.nin!)).filter(([, v]) => v !== undefined && v !== ''),
  );
  return signAndRecord(
    deps,
    actor,
    {
      id: randomUUID(),
      nin: actor.nin!,
      type,
      issuer: output.owner,
      claims,
      holderJwk,
      source: `application:${output.reference}`,
      now,
      expiresAt,
    },
    origin,
  );
}

export async function listMyDocuments(deps: DocumentsDeps, actor: Actor) {
  authorize(actor, canHoldDocuments, undefined, 'hold documents');
  const rows = await deps.database.query<{
    id: string;
    type: string;
    issuer: string;
    issued_at: Date;
    expires_at: Date;
    revoked_at: Date | null;
    revoked_reason: string | null;
  }>(
    `SELECT id, type, issuer, issued_at, expires_at, revoked_at, revoked_reason FROM documents_credentials
      WHERE nin = $1 ORDER BY issued_at DESC LIMIT 200`,
    [actor.nin],
  );
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    issuer: r.issuer,
    issuedAt: new Date(r.issued_at).toISOString(),
    expiresAt: new Date(r.expires_at).toISOString(),
    revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
    revokedReason: r.revoked_reason,
  }));
}

/** Revokes one document (an operator's decision, or the citizen's lost phone). */
export async function revokeDocument(
  deps: DocumentsDeps,
  actor: Actor,
  id: string,
  reason: string,
  origin?: RequestOrigin,
  as: 'holder' | 'operator' = 'holder',
): Promise<void> {
  // The holder revokes their own documents (from the app); an operator any, by its role.
  const own = as === 'holder';
  authorize(actor, own ? canHoldDocuments : canAdministerDocuments, undefined, 'revoke documents');
  const rows = await deps.database.query<{ id: string }>(
    `UPDATE documents_credentials SET revoked_at = $2, revoked_reason = $3
      WHERE id = $1 AND revoked_at IS NULL ${own ? 'AND nin = $4' : ''} RETURNING id`,
    own ? [id, deps.clock(), reason, actor.nin] : [id, deps.clock(), reason],
  );
  if (!rows.length) throw notFound('no such document, or already revoked');
  await deps.audit.record({
    actor,
    action: 'documents.credential.revoked',
    subject: { kind: 'document', id },
    outcome: 'success',
    details: { reason },
    ...(origin ? { origin } : {}),
  });
}

/**
 * When a registry record changes (a licence renewed or suspended, a vehicle sold), the documents
 * made from it are revoked: verifiers refuse them at once and the holder asks for a new one.
 * `record` is the registry's answer for the changed record.
 */
export async function revokeDocumentsOfRecord(
  deps: Pick<DocumentsDeps, 'database' | 'audit' | 'clock'>,
  input: { registry: string; record: Record<string, unknown>; reason: string },
): Promise<number> {
  const types = Object.entries(onRequest)
    .filter(([, source]) => source.records && source.registry === input.registry)
    .map(([type]) => type);
  const key = recordKey[input.registry];
  const source = key ? input.record[key] : undefined;
  if (!types.length || typeof source !== 'string') return 0;
  const rows = await deps.database.query<{ id: string }>(
    `UPDATE documents_credentials SET revoked_at = $3, revoked_reason = $4
      WHERE type = ANY($1::text[]) AND source = $2 AND revoked_at IS NULL RETURNING id`,
    [types, source, deps.clock(), input.reason],
  );
  for (const r of rows)
    await deps.audit.record({
      actor: { kind: 'system', id: 'documents' },
      action: 'documents.credential.revoked',
      subject: { kind: 'document', id: r.id },
      outcome: 'success',
      details: { reason: input.reason, registry: input.registry },
    });
  return rows.length;
}

/** An issuer's status list as a signed Token Status List token, built from its revoked credentials. */
export async function statusListToken(deps: DocumentsDeps, issuer: string, list: number): Promise<string> {
  const known = await deps.database.query(
    'SELECT 1 FROM documents_credentials WHERE issuer = $1 AND status_list = $2 LIMIT 1',
    [issuer, list],
  );
  if (!known.length) throw notFound('no such status list');
  const key = await issuerKey(deps, issuer);
  return signStatusList({
    key,
    revoked: await revokedIndexes(deps.database, issuer, list),
    size: listSize,
    uri: statusListUri(deps.publicUrl, issuer, list),
    issuer: deps.publicUrl,
    ttlSeconds: 300,
    now: deps.clock(),
  });
}
