export {
  applyAsPartner,
  collectCredentials,
  decideApplication,
  organisationOfClient,
  type PartnerCredentials,
  type PartnerDeps,
  partnerRoles,
} from './partners.ts';
export { canAdministerPartners } from './policies.ts';
export { applicationIpRule, partnerRoutes } from './routes.ts';
