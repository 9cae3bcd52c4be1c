export { type Account, checkPassword, createAccount, findAccountByNin, PasswordRefused } from './accounts.ts';
export {
  getAccountStatus,
  issueActivationCode,
  lockAccount,
  redeemActivationCode,
  unlockAccount,
} from './activation.ts';
export { identityAdminRoutes } from './admin-routes.ts';
export { type AgentRole, agentRoles, agentRolesOf, officeClientId, setAgentRoles } from './agents.ts';
export { authenticateApiKey, createApiKey, revokeApiKey } from './api-keys.ts';
export { authenticateAccessToken } from './citizen-tokens.ts';
export { registerDemoClients, registerOfficeClient, registerSuperAppClient } from './demo-clients.ts';
export {
  assuranceOf,
  confirmTotp,
  issueRecoveryCodes,
  startTotpEnrolment,
  totpCode,
  totpSecretColumn,
} from './factors.ts';
export { meRoutes, requireCitizenInApp, superAppClientId } from './me-routes.ts';
export { clientSecretColumn } from './oidc/adapter.ts';
export type { DataRequestPort, DataRequestSummary } from './oidc/data-requests.ts';
export { enrolRoutes } from './oidc/enrol-routes.ts';
export {
  addSigningKey,
  cibaGrantType,
  createOidcProvider,
  identitySecretsColumn,
  type OidcDeps,
  type OidcRuntime,
  registerClient,
  retireSigningKeys,
  supportedScopes,
} from './oidc/provider.ts';
export { oidcRoutes } from './oidc/routes.ts';
export { checkPasswordPolicy, hashPassword, passwordHashing } from './passwords.ts';
export { describeUserAgent, type SignInSession } from './sessions.ts';
/** Test and benchmark support: a scripted browser for the login pages. */
export { LoginBrowser } from './testing/login-browser.ts';
export {
  accessTokenFor,
  type LoginOutcome,
  type LoginScript,
  registerConfidentialTwin,
  runLogin,
} from './testing/relying-party.ts';
export { SoftAuthenticator } from './testing/soft-authenticator.ts';
