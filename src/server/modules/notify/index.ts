export { type Contact, type ContactDeps, getMyContact, updateMyContact } from './contacts.ts';
export {
  type NotifyDelivery,
  type NotifyDeliveryOptions,
  retryDelayMs,
  startNotifyDelivery,
} from './delivery.ts';
export { type InboxMessage, inboxTemplates, listInbox } from './inbox.ts';
export { type ApplicationStatusPayload, type CitizenNotice, notifyCitizen } from './notify-citizen.ts';
export { notifyRoutes } from './routes.ts';
export {
  type ApplicationStatus,
  applicationStatuses,
  type RenderedMessage,
  renderableTemplates,
  renderMessage,
} from './templates.ts';
export {
  createLoggingEmailSender,
  createSmtpEmailSender,
  type EmailSender,
  type LetterProvider,
  LoggingLetterProvider,
  LoggingSmsProvider,
  type NotifyLogger,
  type OutgoingEmail,
  PermanentDeliveryError,
  type SendContext,
  type SmsProvider,
} from './transports.ts';
