export { type AttachmentScanner, createEservicesDeps, type EservicesDeps, eicarOnlyScanner } from './deps.ts';
export { completeApprovedApplications, completedOutput, outputIssuers } from './office.ts';
export { codeFromVerificationUrl } from './output-code.ts';
export { servicePerformance } from './performance.ts';
export { defaultProceduresDir, loadRepositoryProcedures } from './procedures.ts';
export { eservicesRoutes } from './routes.ts';
export { readQrFromPdf } from './testing/read-pdf-qr.ts';
