export { type Account, checkPassword, createAccount, PasswordRefused } from './accounts.ts';
export { authenticateApiKey, createApiKey, revokeApiKey } from './api-keys.ts';
export { createOidcProvider, type OidcDeps, registerClient, supportedScopes } from './oidc/provider.ts';
export { oidcRoutes } from './oidc/routes.ts';
export { checkPasswordPolicy, hashPassword, passwordHashing } from './passwords.ts';
/** Test and benchmark support: a scripted browser for the login pages. */
export { LoginBrowser } from './testing/login-browser.ts';
