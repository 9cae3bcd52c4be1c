import { holderKeyPair } from '../../../../src/shared/documents/index.ts';
import type { DocumentType } from '../../../../src/shared/documents/types.ts';
import { api } from '../api.ts';
import { checkOnReceipt } from './credential.ts';
import {
  listWalletDocuments,
  putWalletDocument,
  removeWalletDocument,
  setWalletOwner,
  type WalletDocument,
  walletOwner,
} from './store.ts';

/** The signed-in account becomes the wallet's owner (online); offline, the last one stays. */
export async function claimWallet(): Promise<string | undefined> {
  const me = await api<{ accountId: string }>('GET', '/me');
  await setWalletOwner(me.accountId);
  return me.accountId;
}

/** What the server says it issued to this citizen (the credentials themselves are on phones). */
export interface IssuedDocument {
  id: string;
  type: string;
  issuer: string;
  issuedAt: string;
  expiresAt: string;
  revokedAt: string | null;
  revokedReason: string | null;
}

interface Issued {
  id: string;
  type: DocumentType;
  issuer: string;
  credential: string;
  issuedAt: string;
  expiresAt: string;
}

/**
 * Asks the issuer for a document bound to a new key of this phone, checks it on receipt and keeps
 * it. One key per document: two documents shown to the same verifier cannot be linked by their key.
 * A credential that fails the check is revoked at once and not kept.
 */
export async function addDocument(type: DocumentType): Promise<WalletDocument> {
  const owner = (await walletOwner()) ?? (await claimWallet());
  if (!owner) throw new Error('no account signed in');
  const keys = await holderKeyPair();
  const issued = await api<Issued>('POST', '/me/documents', { type, holderKey: keys.publicJwk });
  let issuerName: string;
  try {
    ({ issuerName } = await checkOnReceipt(issued.credential, { type, holderJwk: keys.publicJwk }));
  } catch (error) {
    await revokeIssued(issued.id, 'refused by the wallet on receipt').catch(() => undefined);
    throw error;
  }
  const doc: WalletDocument = {
    id: issued.id,
    owner,
    type,
    issuer: issued.issuer,
    issuerName,
    credential: issued.credential,
    holderKey: keys.privateKey,
    issuedAt: issued.issuedAt,
    expiresAt: issued.expiresAt,
    revokedAt: null,
  };
  await putWalletDocument(doc);
  return doc;
}

/** The server's list, with the revocations it knows copied to the documents on this phone. */
export async function syncWithServer(): Promise<{ items: IssuedDocument[]; requestable: DocumentType[] }> {
  await claimWallet();
  const server = await api<{ items: IssuedDocument[]; requestable: DocumentType[] }>('GET', '/me/documents');
  const revoked = new Map(server.items.filter((i) => i.revokedAt).map((i) => [i.id, i.revokedAt]));
  for (const doc of await listWalletDocuments()) {
    const at = revoked.get(doc.id);
    if (at && !doc.revokedAt) await putWalletDocument({ ...doc, revokedAt: at });
  }
  return server;
}

/** Revokes a document on the server: every verifier refuses it from then on (lost or replaced phone). */
export const revokeIssued = (id: string, reason: string): Promise<void> =>
  api<void>('POST', `/me/documents/${id}/revoke`, { reason });

/** Deletes a document and its key from this phone, and revokes it first when asked. */
export async function removeDocument(id: string, revoke: boolean): Promise<void> {
  if (revoke) await revokeIssued(id, 'removed from the phone by its holder');
  await removeWalletDocument(id);
}

export type DocumentState = 'valid' | 'revoked' | 'expired';

export const stateOf = (
  d: { revokedAt: string | null; expiresAt: string },
  now = Date.now(),
): DocumentState => (d.revokedAt ? 'revoked' : Date.parse(d.expiresAt) <= now ? 'expired' : 'valid');

/** A message for the wallet's list to say once, e.g. after a document was removed on its own page. */
let notice: string | undefined;
export const leaveNotice = (text: string) => {
  notice = text;
};
export const takeNotice = (): string | undefined => {
  const text = notice;
  notice = undefined;
  return text;
};
