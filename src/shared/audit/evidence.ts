/**
 * Checking, outside the server, that something is in the transparency log: the exact content an
 * audit entry's hash covers, the signature of a tree head, and the proof a citizen gets for a
 * bridge exchange about them (the record, its batch, the batch's audit entry, the entry's
 * inclusion under a signed tree head). Portable (WebCrypto, jose, RFC 8785 canonical JSON): the
 * super-app runs it on the phone, the server and its tests run the same code.
 */
import canonicalize from 'canonicalize';
import { compactVerify, importJWK, type JWK } from 'jose';
import { bytesToHex, type InclusionProof, leafHash, type TreeHead, verifyInclusion } from './merkle.ts';

/** The `typ` of a signed tree head's JWS. */
export const treeHeadType = 'jokko-tree-head+jws';

/** An audit entry as the log stores and publishes it (its chain hashes aside). */
export interface LoggedAuditEntry {
  seq: number;
  id: string;
  recordedAt: string;
  actor: { kind: string; id: string };
  actingAs?: string | null;
  action: string;
  subject?: { kind: string; id: string } | null;
  outcome: string;
  origin?: { ip?: string | null; requestId?: string | null } | null;
  details?: Record<string, unknown> | null;
}

/** The exact JSON an audit entry's hash and leaf cover; documented in docs/decisions/0004-audit-chain.md. */
export function auditEntryContent(e: LoggedAuditEntry): Record<string, unknown> {
  return {
    v: 1,
    seq: e.seq,
    id: e.id,
    recordedAt: e.recordedAt,
    actor: { kind: e.actor.kind, id: e.actor.id },
    actingAs: e.actingAs ?? null,
    action: e.action,
    subject: e.subject ? { kind: e.subject.kind, id: e.subject.id } : null,
    outcome: e.outcome,
    origin: { ip: e.origin?.ip ?? null, requestId: e.origin?.requestId ?? null },
    details: e.details ?? {},
  };
}

/** The leaf data of an entry: the RFC 8785 JSON of its content. */
export function auditLeafData(entry: LoggedAuditEntry): string {
  const json = canonicalize(auditEntryContent(entry));
  if (json === undefined) throw new Error('audit entry cannot be canonicalised');
  return json;
}

/** The RFC 8785 JSON a bridge exchange record's hash covers (version 1). */
export function exchangeRecordJson(record: object): string {
  const json = canonicalize({ v: 1, ...record });
  if (!json) throw new Error('exchange record cannot be canonicalised');
  return json;
}

const sha256Hex = async (text: string) =>
  bytesToHex(
    new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))),
  );

/**
 * Whether the head was signed by one of the log's keys (EdDSA, its `typ` and `kid`), over exactly
 * its size, root and time.
 */
export async function verifyTreeHead(head: TreeHead, keys: JWK[]): Promise<boolean> {
  const jwk = keys.find((k) => k.kid === head.kid);
  if (!jwk) return false;
  try {
    const key = await importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA');
    const { payload, protectedHeader } = await compactVerify(head.jws, key, { algorithms: ['EdDSA'] });
    if (protectedHeader.typ !== treeHeadType || protectedHeader.kid !== head.kid) return false;
    const signed = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    return (
      signed.treeSize === head.treeSize &&
      signed.rootHash === head.rootHash &&
      signed.issuedAt === head.issuedAt
    );
  } catch {
    return false;
  }
}

/** What `GET /v1/me/data-accesses/{id}/proof` answers. */
export interface ExchangeProof {
  record: { id: string } & Record<string, unknown>;
  recordHash: string;
  batchRecordHashes: string[];
  audit: {
    entry: LoggedAuditEntry;
    leafHash: string;
    inclusion: InclusionProof;
    treeHead: TreeHead;
  };
}

/** The first step that does not hold, in the order they are checked. */
export type ExchangeProofFailure = 'record' | 'batch' | 'entry' | 'inclusion' | 'signature';

export type ExchangeProofCheck =
  | { ok: true; treeHead: TreeHead }
  | { ok: false; failed: ExchangeProofFailure };

/**
 * Recomputes an exchange's proof from the record up, taking nothing the server says as is: the
 * record's hash, its place among its batch's hashes and the batch digest the audit entry holds,
 * the entry's leaf hash, its inclusion under the tree head's root, and the head's signature by a
 * key of the log.
 */
export async function verifyExchangeProof(proof: ExchangeProof, logKeys: JWK[]): Promise<ExchangeProofCheck> {
  const fail = (failed: ExchangeProofFailure): ExchangeProofCheck => ({ ok: false, failed });
  const { record, audit } = proof;
  let recordHash: string;
  try {
    recordHash = await sha256Hex(exchangeRecordJson(record));
  } catch {
    return fail('record');
  }
  if (recordHash !== proof.recordHash) return fail('record');
  const details = (audit.entry.details ?? {}) as { ids?: unknown; digest?: unknown };
  const position = Array.isArray(details.ids) ? details.ids.indexOf(record.id) : -1;
  if (
    audit.entry.action !== 'bridge.message-log.batch' ||
    position < 0 ||
    proof.batchRecordHashes.length !== (details.ids as unknown[]).length ||
    proof.batchRecordHashes[position] !== recordHash ||
    (await sha256Hex(proof.batchRecordHashes.join('\n'))) !== details.digest
  )
    return fail('batch');
  let leaf: string;
  try {
    leaf = await leafHash(auditLeafData(audit.entry));
  } catch {
    return fail('entry');
  }
  if (leaf !== audit.leafHash) return fail('entry');
  if (
    audit.inclusion.treeSize !== audit.treeHead.treeSize ||
    !(await verifyInclusion(leaf, audit.inclusion, audit.treeHead.rootHash))
  )
    return fail('inclusion');
  if (!(await verifyTreeHead(audit.treeHead, logKeys))) return fail('signature');
  return { ok: true, treeHead: audit.treeHead };
}
