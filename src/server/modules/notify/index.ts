export { type InboxMessage, inboxTemplates, listInbox } from './inbox.ts';
export { notifyRoutes } from './routes.ts';
