export { type AttachmentScanner, createEservicesDeps, type EservicesDeps, eicarOnlyScanner } from './deps.ts';
export { completeApprovedApplications, completedOutput, outputIssuers } from './office.ts';
export { pdfLabels } from './output.ts';
export { codeFromVerificationUrl } from './output-code.ts';
export { renderOutputPdf } from './output-pdf.ts';
export { servicePerformance } from './performance.ts';
export { defaultProceduresDir, loadRepositoryProcedures } from './procedures.ts';
export { eservicesRoutes } from './routes.ts';
export { readQrFromPdf } from './testing/read-pdf-qr.ts';
