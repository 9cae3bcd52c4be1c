import { type CallbackOutcome, createSession } from '../ui/oidc-session.ts';

/**
 * The super-app signs in as the public client `jokko-app` (code + PKCE, token in memory; see
 * web/src/ui/oidc-session.ts). It asks for a second factor whenever the citizen has one; the
 * password alone only for those who have not added one yet (Settings invites them to).
 */
const session = createSession({
  clientId: 'jokko-app',
  basePath: '/app',
  storagePrefix: 'jokko',
  acrValues: 'substantial low',
  // The data kept for offline use goes with the session; the wallet stays on the phone but shows
  // no one's documents until someone signs in again.
  onSignOut: async () => {
    navigator.serviceWorker?.controller?.postMessage('sign-out');
    await import('./wallet/store.ts').then((w) => w.setWalletOwner(undefined));
  },
});

export type { CallbackOutcome };
export const { token, signIn, completeSignIn, trySilently, signOut } = session;
