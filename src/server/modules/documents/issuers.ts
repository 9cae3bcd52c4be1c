import { createPrivateKey, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import type { Actor, RequestOrigin } from '../../platform/actor.ts';
import type { Database, SqlSession } from '../../platform/db/database.ts';
import { conflict, notFound } from '../../platform/http/problems.ts';
import { type KeyManagement, rewrap, type WrappedKey } from '../../platform/kms.ts';
import { authorize } from '../../platform/policy.ts';
import type { SecretColumn } from '../../platform/secrets-at-rest.ts';
import type { AuditLog } from '../audit/index.ts';
import { canAdministerDocuments } from './policies.ts';

/**
 * The keys of verifiable documents: one ES256 key set per issuing administration and the
 * platform's trust-list key, their private halves wrapped by the KMS (docs/decisions/0015).
 */
export interface DocumentKeysDeps {
  database: Database;
  audit: AuditLog;
  clock: () => Date;
  kms: KeyManagement;
}

/** A P-256 public key as published (trust list, trust anchor). */
export type PublicJwk = {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
};

export interface DocumentSigningKey {
  kid: string;
  alg: 'ES256';
  privateKey: KeyObject;
  publicJwk: PublicJwk;
}

export interface IssuerKey extends DocumentSigningKey {
  /** The administration's identifier (organisations.identifier), e.g. DTTR. */
  organisation: string;
}

export interface DocumentKeyInfo {
  kid: string;
  organisation: string | null;
  alg: 'ES256';
  createdAt: string;
  retiredAt: string | null;
  /** The key that signs now (newest non-retired of its set). */
  current: boolean;
  /** The master key its private half is wrapped under. */
  masterKeyId: string;
}

/** How long a node keeps a loaded key: a rotation reaches every node within this time. */
export const keyCacheTtlMs = 30_000;

const systemDocuments = { kind: 'system', id: 'documents' } as const;

/** One set of keys: an administration's issuer keys, or the platform's trust keys. */
interface KeySet {
  table: 'documents_issuer_keys' | 'documents_trust_keys';
  organisation: string | undefined;
}
const issuerSet = (organisation: string): KeySet => ({ table: 'documents_issuer_keys', organisation });
const trustSet: KeySet = { table: 'documents_trust_keys', organisation: undefined };

/** The KMS context binds a wrapped key to its row: moved to another row or set, it does not open. */
const wrapContext = (set: KeySet, kid: string) =>
  set.organisation === undefined ? `documents-trust:${kid}` : `documents-issuer:${set.organisation}:${kid}`;

/** Where issuer and trust keys are stored wrapped (start-up checks, master-key rotation). */
export const documentKeySecretColumns: readonly SecretColumn[] = [
  {
    table: 'documents_issuer_keys',
    key: ['kid', 'organisation'],
    wrapped: 'private_key_wrapped',
    context: (row) => wrapContext(issuerSet(row.organisation!), row.kid!),
  },
  {
    table: 'documents_trust_keys',
    key: ['kid'],
    wrapped: 'private_key_wrapped',
    context: (row) => wrapContext(trustSet, row.kid!),
  },
];
const setFilter = (set: KeySet) => (set.organisation === undefined ? '' : 'AND organisation = $1');
const setParams = (set: KeySet) => (set.organisation === undefined ? [] : [set.organisation]);
const cacheKey = (set: KeySet) => set.organisation ?? '';
const auditSubject = (set: KeySet) => (set.organisation === undefined ? 'trust-key' : 'issuer-key');

interface KeyRow {
  kid: string;
  organisation?: string;
  public_jwk: PublicJwk;
  private_key_wrapped: WrappedKey;
  created_at: Date | string;
  retired_at: Date | string | null;
}

const caches = new WeakMap<Database, Map<string, { until: number; key: Promise<DocumentSigningKey> }>>();
function cacheOf(database: Database) {
  let cache = caches.get(database);
  if (!cache) {
    cache = new Map();
    caches.set(database, cache);
  }
  return cache;
}

/** Forgets this node's cached keys of a set (after a rotation or a retirement here). */
function forget(deps: DocumentKeysDeps, set: KeySet): void {
  cacheOf(deps.database).delete(`${set.table}:${cacheKey(set)}`);
}

/** The newest non-retired key of a set, from this node's cache when fresh. */
function currentKey(deps: DocumentKeysDeps, set: KeySet): Promise<DocumentSigningKey> {
  const cache = cacheOf(deps.database);
  const id = `${set.table}:${cacheKey(set)}`;
  const now = deps.clock().getTime();
  const hit = cache.get(id);
  if (hit && hit.until > now) return hit.key;
  const key = loadCurrentKey(deps, set);
  cache.set(id, { until: now + keyCacheTtlMs, key });
  key.catch(() => {
    if (cache.get(id)?.key === key) cache.delete(id);
  });
  return key;
}

async function newestRow(database: SqlSession, set: KeySet): Promise<KeyRow | undefined> {
  const rows = await database.query<KeyRow>(
    `SELECT kid, public_jwk, private_key_wrapped, created_at, retired_at FROM ${set.table}
     WHERE retired_at IS NULL ${setFilter(set)} ORDER BY seq DESC LIMIT 1`,
    setParams(set),
  );
  return rows[0];
}

/**
 * Loads the current key; the first node that finds none creates it under a table lock, so nodes
 * starting together make one key.
 */
async function loadCurrentKey(deps: DocumentKeysDeps, set: KeySet): Promise<DocumentSigningKey> {
  let row = await newestRow(deps.database, set);
  if (!row) {
    if (set.organisation !== undefined) await requireAdministration(deps.database, set.organisation);
    // Generated and wrapped before the transaction: PGlite has one connection, which it holds.
    const fresh = await generateKey(deps, set);
    const created = await deps.database.transaction(async (session) => {
      await session.query(`LOCK TABLE ${set.table} IN EXCLUSIVE MODE`);
      if (await newestRow(session, set)) return false;
      await insertKey(session, set, fresh, deps.clock());
      return true;
    });
    if (created) {
      await deps.audit.record({
        actor: systemDocuments,
        action: `documents.${auditSubject(set)}.created`,
        subject: { kind: `documents-${auditSubject(set)}`, id: fresh.kid },
        outcome: 'success',
        details: { ...(set.organisation ? { organisation: set.organisation } : {}), alg: 'ES256' },
      });
    }
    row = await newestRow(deps.database, set);
    if (!row) throw new Error(`no key in ${set.table} after creating one`);
  }
  return openRow(deps.kms, set, row);
}

async function openRow(kms: KeyManagement, set: KeySet, row: KeyRow): Promise<DocumentSigningKey> {
  const der = Buffer.from(await kms.unwrap(row.private_key_wrapped, wrapContext(set, row.kid)));
  try {
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    return { kid: row.kid, alg: 'ES256', privateKey, publicJwk: row.public_jwk };
  } finally {
    der.fill(0);
  }
}

interface FreshKey {
  kid: string;
  publicJwk: PublicJwk;
  wrapped: WrappedKey;
}

async function generateKey(deps: DocumentKeysDeps, set: KeySet): Promise<FreshKey> {
  const date = deps.clock().toISOString().slice(0, 10);
  const kid = `${set.organisation ?? 'trust'}-${date}-${randomUUID().slice(0, 8)}`;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  try {
    const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
    return {
      kid,
      publicJwk: { kty, crv, x, y, kid, alg: 'ES256', use: 'sig' } as PublicJwk,
      wrapped: await deps.kms.wrap(der, wrapContext(set, kid)),
    };
  } finally {
    der.fill(0);
  }
}

async function insertKey(session: SqlSession, set: KeySet, key: FreshKey, now: Date): Promise<void> {
  const columns = ['kid', 'alg', 'public_jwk', 'private_key_wrapped', 'created_at'];
  const values: unknown[] = [
    key.kid,
    'ES256',
    JSON.stringify(key.publicJwk),
    JSON.stringify(key.wrapped),
    now,
  ];
  if (set.organisation !== undefined) {
    columns.push('organisation');
    values.push(set.organisation);
  }
  await session.query(
    `INSERT INTO ${set.table} (${columns.join(', ')}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`,
    values,
  );
}

async function requireAdministration(database: SqlSession, organisation: string): Promise<void> {
  const rows = await database.query<{ kind: string }>(
    'SELECT kind FROM organisations WHERE identifier = $1',
    [organisation],
  );
  if (rows[0]?.kind !== 'administration') throw notFound(`No administration ${organisation}`);
}

/** Adds a key to a set; it signs from now on (on other nodes within `keyCacheTtlMs`). */
async function rotate(
  deps: DocumentKeysDeps,
  actor: Actor,
  set: KeySet,
  origin: RequestOrigin | undefined,
): Promise<DocumentKeyInfo> {
  if (set.organisation !== undefined) await requireAdministration(deps.database, set.organisation);
  const fresh = await generateKey(deps, set);
  const now = deps.clock();
  const previous = await deps.database.transaction(async (session) => {
    await session.query(`LOCK TABLE ${set.table} IN EXCLUSIVE MODE`);
    const before = await newestRow(session, set);
    await insertKey(session, set, fresh, now);
    return before?.kid;
  });
  forget(deps, set);
  await deps.audit.record({
    actor: { kind: actor.kind, id: actor.id },
    action: `documents.${auditSubject(set)}.rotated`,
    subject: { kind: `documents-${auditSubject(set)}`, id: fresh.kid },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: {
      ...(set.organisation ? { organisation: set.organisation } : {}),
      alg: 'ES256',
      previousKid: previous ?? null,
    },
  });
  return {
    kid: fresh.kid,
    organisation: set.organisation ?? null,
    alg: 'ES256',
    createdAt: now.toISOString(),
    retiredAt: null,
    current: true,
    masterKeyId: fresh.wrapped.keyId,
  };
}

/**
 * Takes a key out of trust: it leaves the trust list (or the trust anchor), so what it signed no
 * longer verifies. Retiring the current key is allowed (a compromised key must go at once); the
 * next signature then uses the newest remaining key, or a new one.
 */
async function retire(
  deps: DocumentKeysDeps,
  actor: Actor,
  table: KeySet['table'],
  kid: string,
  origin: RequestOrigin | undefined,
): Promise<void> {
  const now = deps.clock();
  const rows = await deps.database.query<{ organisation?: string }>(
    `UPDATE ${table} SET retired_at = $2 WHERE kid = $1 AND retired_at IS NULL RETURNING *`,
    [kid, now],
  );
  if (!rows[0]) {
    const exists = await deps.database.query(`SELECT 1 FROM ${table} WHERE kid = $1`, [kid]);
    throw exists.length ? conflict(`Key ${kid} is already retired`) : notFound(`No key ${kid}`);
  }
  const organisation = rows[0].organisation;
  const set = table === 'documents_trust_keys' ? trustSet : issuerSet(organisation!);
  forget(deps, set);
  await deps.audit.record({
    actor: { kind: actor.kind, id: actor.id },
    action: `documents.${auditSubject(set)}.retired`,
    subject: { kind: `documents-${auditSubject(set)}`, id: kid },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: organisation ? { organisation } : {},
  });
}

/** The key an administration signs documents with now; created on first use. */
export async function issuerKey(deps: DocumentKeysDeps, organisation: string): Promise<IssuerKey> {
  return { ...(await currentKey(deps, issuerSet(organisation))), organisation };
}

/** A new key for the administration becomes current; the old one stays published until retired. */
export async function rotateIssuerKey(
  deps: DocumentKeysDeps,
  actor: Actor,
  organisation: string,
  origin?: RequestOrigin,
): Promise<DocumentKeyInfo> {
  authorize(actor, canAdministerDocuments, undefined, 'rotate document issuer keys');
  return rotate(deps, actor, issuerSet(organisation), origin);
}

export async function retireIssuerKey(
  deps: DocumentKeysDeps,
  actor: Actor,
  kid: string,
  origin?: RequestOrigin,
): Promise<void> {
  authorize(actor, canAdministerDocuments, undefined, 'retire document issuer keys');
  await retire(deps, actor, 'documents_issuer_keys', kid, origin);
}

/** The platform's key that signs the trust list now; created on first use. */
export function trustKey(deps: DocumentKeysDeps): Promise<DocumentSigningKey> {
  return currentKey(deps, trustSet);
}

/**
 * A new trust key signs the trust list from now on. Verifiers pin the anchor: publish the new
 * anchor to them before retiring the old key.
 */
export async function rotateTrustKey(
  deps: DocumentKeysDeps,
  actor: Actor,
  origin?: RequestOrigin,
): Promise<DocumentKeyInfo> {
  authorize(actor, canAdministerDocuments, undefined, 'rotate the trust-list key');
  return rotate(deps, actor, trustSet, origin);
}

export async function retireTrustKey(
  deps: DocumentKeysDeps,
  actor: Actor,
  kid: string,
  origin?: RequestOrigin,
): Promise<void> {
  authorize(actor, canAdministerDocuments, undefined, 'retire trust-list keys');
  await retire(deps, actor, 'documents_trust_keys', kid, origin);
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** Every document key (issuer keys, then trust keys), without key material. */
export async function listDocumentKeys(deps: DocumentKeysDeps, actor: Actor): Promise<DocumentKeyInfo[]> {
  authorize(actor, canAdministerDocuments, undefined, 'list document keys');
  const issuers = await deps.database.query<KeyRow & { current: boolean }>(
    `SELECT kid, organisation, private_key_wrapped, created_at, retired_at,
       retired_at IS NULL AND seq = (SELECT max(seq) FROM documents_issuer_keys c
         WHERE c.organisation = k.organisation AND c.retired_at IS NULL) AS current
     FROM documents_issuer_keys k ORDER BY organisation, seq DESC`,
  );
  const trust = await deps.database.query<KeyRow & { current: boolean }>(
    `SELECT kid, private_key_wrapped, created_at, retired_at,
       retired_at IS NULL AND seq = (SELECT max(seq) FROM documents_trust_keys WHERE retired_at IS NULL) AS current
     FROM documents_trust_keys ORDER BY seq DESC`,
  );
  return [...issuers, ...trust].map((r) => ({
    kid: r.kid,
    organisation: r.organisation ?? null,
    alg: 'ES256',
    createdAt: iso(r.created_at)!,
    retiredAt: iso(r.retired_at),
    current: r.current,
    masterKeyId: r.private_key_wrapped.keyId,
  }));
}

/** The published (non-retired) issuer keys of every administration, newest first. */
export async function publishedIssuerKeys(database: Database): Promise<Map<string, PublicJwk[]>> {
  const rows = await database.query<{ organisation: string; public_jwk: PublicJwk }>(
    'SELECT organisation, public_jwk FROM documents_issuer_keys WHERE retired_at IS NULL ORDER BY organisation, seq DESC',
  );
  const byOrganisation = new Map<string, PublicJwk[]>();
  for (const r of rows)
    byOrganisation.set(r.organisation, [...(byOrganisation.get(r.organisation) ?? []), r.public_jwk]);
  return byOrganisation;
}

/** The published (non-retired) trust keys, newest first: the anchor verifiers pin. */
export async function publishedTrustKeys(database: Database): Promise<PublicJwk[]> {
  const rows = await database.query<{ public_jwk: PublicJwk }>(
    'SELECT public_jwk FROM documents_trust_keys WHERE retired_at IS NULL ORDER BY seq DESC',
  );
  return rows.map((r) => r.public_jwk);
}

/**
 * Moves every document key wrapped under an older master key to the current one (the step of a
 * master-key rotation: configure JOKKO_MASTER_KEY_PREVIOUS, run this, then remove it). Returns
 * how many keys were rewrapped.
 */
export async function rewrapDocumentKeys(deps: DocumentKeysDeps, actor: Actor): Promise<number> {
  authorize(actor, canAdministerDocuments, undefined, 'rewrap document keys');
  let count = 0;
  for (const table of ['documents_issuer_keys', 'documents_trust_keys'] as const) {
    const rows = await deps.database.query<KeyRow>(
      `SELECT kid, ${table === 'documents_issuer_keys' ? 'organisation, ' : ''}private_key_wrapped FROM ${table}`,
    );
    for (const row of rows) {
      if (row.private_key_wrapped.keyId === deps.kms.keyId) continue;
      const set = row.organisation === undefined ? trustSet : issuerSet(row.organisation);
      const wrapped = await rewrap(deps.kms, row.private_key_wrapped, wrapContext(set, row.kid));
      // Only if no other node rewrapped it meanwhile.
      const updated = await deps.database.query(
        `UPDATE ${table} SET private_key_wrapped = $2 WHERE kid = $1 AND private_key_wrapped = $3 RETURNING kid`,
        [row.kid, JSON.stringify(wrapped), JSON.stringify(row.private_key_wrapped)],
      );
      count += updated.length;
    }
  }
  if (count > 0) {
    await deps.audit.record({
      actor: { kind: actor.kind, id: actor.id },
      action: 'documents.keys.rewrapped',
      outcome: 'success',
      details: { count, masterKeyId: deps.kms.keyId },
    });
  }
  return count;
}
