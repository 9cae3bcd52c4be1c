export { listAuditEntries, verifyAuditLogAs } from './audit-access.ts';
export { type AuditEntry, type AuditEvent, type AuditLog, createAuditLog } from './audit-log.ts';
export { auditRoutes } from './routes.ts';
export { type VerifyResult, verifyAuditLog } from './verify.ts';
