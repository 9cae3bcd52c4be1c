import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { auditLeafData } from '../../../shared/audit/evidence.ts';
import type { RequestOrigin } from '../../platform/actor.ts';

/** What a module records: who, acting as what, did what, to which subject, from where, with what outcome. */
export interface AuditEvent {
  actor: { kind: string; id: string };
  actingAs?: string;
  action: string;
  subject?: { kind: string; id: string };
  outcome: 'success' | 'denied' | 'failure';
  origin?: RequestOrigin;
  details?: Record<string, unknown>;
}

export interface AuditEntry extends AuditEvent {
  seq: number;
  id: string;
  recordedAt: string;
  /** Hex SHA-256 of the previous entry (64 zeros for the first). */
  prevHash: string;
  hash: string;
}

export const genesisHash = Buffer.alloc(32);

export function entryHash(prevHash: Uint8Array, content: Record<string, unknown>): Buffer {
  const json = canonicalize(content);
  if (json === undefined) throw new Error('audit entry cannot be canonicalised');
  return createHash('sha256').update(prevHash).update(json, 'utf8').digest();
}

/** The leaf's hash: the same canonical JSON the hash chain covers (`auditEntryContent`, docs/decisions/0004). */
export function leafHashOf(entry: Omit<AuditEntry, 'prevHash' | 'hash'>): Buffer {
  return createHash('sha256').update(Uint8Array.of(0)).update(auditLeafData(entry), 'utf8').digest();
}
