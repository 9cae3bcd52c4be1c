export {
  runWitness,
  type WitnessOutcome,
  type WitnessState,
} from '../../../shared/audit/witness.ts';
export {
  type AuditDeps,
  currentTreeHead,
  type EntryProof,
  listAuditEntries,
  proveConsistency,
  proveEntry,
  proveEntryOnBehalf,
  publishTreeHeadAs,
  verifyAuditLogAs,
} from './audit-access.ts';
export { type AuditEntry, type AuditEvent, type AuditLog, createAuditLog } from './audit-log.ts';
export { leafHashOf } from './entry.ts';
// The tree's building blocks, for the benchmark that builds a ten-million-leaf tree directly.
export { consistencyProofOf, inclusionProofOf, nodesForAppend, rootOfSiblings } from './merkle-tree.ts';
export { auditRoutes } from './routes.ts';
export {
  auditLogKeySecretColumn,
  logKeys,
  publishTreeHead,
  rotateLogKey,
} from './tree-heads.ts';
export { type VerifyResult, verifyAuditLog } from './verify.ts';
