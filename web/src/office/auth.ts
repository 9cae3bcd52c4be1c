import { type CallbackOutcome, createSession } from '../ui/oidc-session.ts';

/**
 * The back-office signs in as the public client `jokko-office` (code + PKCE, tokens in memory; see
 * web/src/ui/oidc-session.ts), always at `substantial`: agents decide on citizens' applications,
 * never on a password alone. Its storage keys are its own.
 */
let subject: string | undefined;
const session = createSession({
  clientId: 'jokko-office',
  basePath: '/office',
  storagePrefix: 'jokko.office',
  acrValues: 'substantial',
  onSignOut: () => {
    subject = undefined;
  },
});

export type { CallbackOutcome };
export const { token, signIn, completeSignIn, trySilently, signOut } = session;
/** The agent's account id (from /v1/office/me): how the queue recognises "assigned to me". */
export const accountId = (): string | undefined => subject;
export const rememberAccount = (id: string): void => {
  subject = id;
};
