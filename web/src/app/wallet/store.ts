import type { DocumentType } from '../../../../src/shared/documents/types.ts';

/**
 * The wallet on this phone: an IndexedDB database holding each document's credential and its
 * holder key. The key is a non-extractable CryptoKey stored by structured clone: it signs
 * presentations here and is never exported. Signing out keeps the wallet (the documents are the
 * citizen's, on their device); only "remove from this phone" deletes one. A phone can be shared:
 * each document belongs to the account that added it, and the wallet shows the documents of the
 * account signed in last, none after a sign-out.
 */

export interface WalletDocument {
  /** The server's id for what it issued, used to revoke it. */
  id: string;
  /** The account that added it (its id, not a personal datum). */
  owner: string;
  type: DocumentType;
  /** The issuing administration's identifier (DAF, DTTR, MEN) and its name from the trust list. */
  issuer: string;
  issuerName: string;
  /** The SD-JWT VC as issued, with every disclosure. */
  credential: string;
  /** The private half of the key the credential is bound to (`cnf.jwk`). */
  holderKey: CryptoKey;
  issuedAt: string;
  expiresAt: string;
  /** Learnt from the server when online; kept so that an offline phone still says it. */
  revokedAt: string | null;
}

const databaseName = 'jokko-wallet';
const storeName = 'documents';
const metaName = 'meta';

let opened: Promise<IDBDatabase> | undefined;

function database(): Promise<IDBDatabase> {
  opened ??= new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(databaseName, 2);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(storeName)) db.createObjectStore(storeName, { keyPath: 'id' });
      if (!db.objectStoreNames.contains(metaName)) db.createObjectStore(metaName);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  }).catch((error: unknown) => {
    opened = undefined;
    throw error;
  });
  return opened;
}

async function run<T>(
  mode: IDBTransactionMode,
  use: (store: IDBObjectStore) => IDBRequest,
  name: string = storeName,
): Promise<T> {
  const db = await database();
  return new Promise<T>((resolve, reject) => {
    const tx = db.transaction(name, mode);
    const request = use(tx.objectStore(name));
    tx.oncomplete = () => resolve(request.result as T);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** The account whose documents the wallet shows: the one signed in last; none after a sign-out. */
export const walletOwner = (): Promise<string | undefined> =>
  run<string | undefined>('readonly', (s) => s.get('owner'), metaName);
export const setWalletOwner = (owner: string | undefined): Promise<void> =>
  run<void>('readwrite', (s) => (owner ? s.put(owner, 'owner') : s.delete('owner')), metaName).then(
    () => undefined,
  );

/** The documents of the wallet's owner on this phone, the newest first. */
export async function listWalletDocuments(): Promise<WalletDocument[]> {
  const owner = await walletOwner();
  if (!owner) return [];
  const all = await run<WalletDocument[]>('readonly', (s) => s.getAll());
  return all.filter((d) => d.owner === owner).sort((a, b) => b.issuedAt.localeCompare(a.issuedAt));
}

export async function getWalletDocument(id: string): Promise<WalletDocument | undefined> {
  const [owner, doc] = await Promise.all([
    walletOwner(),
    run<WalletDocument | undefined>('readonly', (s) => s.get(id)),
  ]);
  return doc && owner && doc.owner === owner ? doc : undefined;
}

export const putWalletDocument = (doc: WalletDocument): Promise<void> =>
  run<void>('readwrite', (s) => s.put(doc)).then(() => undefined);

export const removeWalletDocument = (id: string): Promise<void> =>
  run<void>('readwrite', (s) => s.delete(id)).then(() => undefined);
