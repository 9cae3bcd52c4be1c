import { decodeJwt } from 'jose';
import { type TrustList, verifyTrustList } from '../../../../src/shared/documents/index.ts';

/**
 * What the verifier keeps on the phone to check documents offline: the pinned trust anchor, the
 * trust list as signed (re-verified against the anchor at every use, so its dates still count), and
 * the last token of each status list, each with the moment it was fetched. The service worker keeps
 * none of these: only this page knows their dates and can say how fresh a verdict is.
 */

const anchorKey = 'jokko.verifier.anchor';
const trustListKey = 'jokko.verifier.trust-list';
const statusKey = 'jokko.verifier.status-lists';
/** The trust list changes when an administration gets or retires a key: ten minutes is fresh enough. */
export const trustListMaxAgeMs = 10 * 60_000;
/** Fetches give up quickly: on a poor network the cached copies answer instead. */
const fetchTimeoutMs = 5_000;
/** Status lists kept (one per issuer and list): a country has a few dozen. */
const statusListsKept = 64;

interface Stored<T> {
  value: T;
  /** When it was fetched (ms since the epoch). */
  fetchedAt: number;
}
type Anchor = { keys: JsonWebKey[] };

const read = <T>(key: string): T | undefined => {
  try {
    const text = localStorage.getItem(key);
    return text ? (JSON.parse(text) as T) : undefined;
  } catch {
    return undefined;
  }
};
const write = (key: string, value: unknown) => {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the page still verifies online.
  }
};

const get = async (path: string): Promise<Response> => {
  // `no-cache`: the server lets HTTP caches keep these five minutes, but a revocation must show now.
  const res = await fetch(path, { cache: 'no-cache', signal: AbortSignal.timeout(fetchTimeoutMs) });
  if (!res.ok) throw new Error(`${path} answered ${res.status}`);
  return res;
};

const sameKey = (a: JsonWebKey & { kid?: string }, b: JsonWebKey & { kid?: string }) =>
  a.kid === b.kid && a.x === b.x && a.y === b.y && a.crv === b.crv;

/**
 * The trust anchor, pinned on first use. Later fetches are adopted only when they keep at least one
 * pinned key: the platform publishes a new trust key beside the old one before retiring it, so a
 * rotation carries over, while a wholly different anchor (another server posing as the platform) is
 * refused.
 */
async function pinAnchor(): Promise<Anchor> {
  const pinned = read<Stored<Anchor>>(anchorKey);
  let fetched: Anchor | undefined;
  try {
    fetched = (await (await get('/v1/documents/trust-anchor')).json()) as Anchor;
  } catch (error) {
    if (pinned) return pinned.value;
    throw error;
  }
  if (!Array.isArray(fetched?.keys) || fetched.keys.length === 0) throw new Error('empty trust anchor');
  if (!pinned || fetched.keys.some((k) => pinned.value.keys.some((p) => sameKey(k, p)))) {
    write(anchorKey, { value: { keys: fetched.keys }, fetchedAt: Date.now() });
    return fetched;
  }
  return pinned.value;
}

export interface TrustState {
  trustList: TrustList;
  fetchedAt: Date;
}

export type TrustProblem = 'no-trust-list' | 'trust-list-expired';

export class TrustUnavailable extends Error {
  readonly problem: TrustProblem;
  constructor(problem: TrustProblem) {
    super(problem);
    this.problem = problem;
  }
}

/** The stored trust list, verified against the pinned anchor now; undefined when none or no longer valid. */
async function storedTrustList(now: Date): Promise<TrustState | 'expired' | undefined> {
  const anchor = read<Stored<Anchor>>(anchorKey);
  const list = read<Stored<string>>(trustListKey);
  if (!anchor || !list) return undefined;
  try {
    const trustList = await verifyTrustList(list.value, anchor.value.keys, now);
    return { trustList, fetchedAt: new Date(list.fetchedAt) };
  } catch {
    return 'expired';
  }
}

/** Fetches the trust list, verifies it against the pinned anchor and keeps it; throws when that fails. */
export async function refreshTrustList(now = new Date()): Promise<TrustState> {
  const anchor = await pinAnchor();
  const jwt = await (await get('/v1/documents/trust-list')).text();
  const trustList = await verifyTrustList(jwt, anchor.keys, now);
  const fetchedAt = Date.now();
  write(trustListKey, { value: jwt, fetchedAt });
  return { trustList, fetchedAt: new Date(fetchedAt) };
}

/**
 * The trust list to verify with: the stored one while it is younger than ten minutes, else a fresh
 * one when the network answers, else the stored one while its signature's dates hold.
 */
export async function currentTrustList(now = new Date(), maxAgeMs = trustListMaxAgeMs): Promise<TrustState> {
  const stored = await storedTrustList(now);
  if (typeof stored === 'object' && now.getTime() - stored.fetchedAt.getTime() < maxAgeMs) return stored;
  try {
    return await refreshTrustList(now);
  } catch {
    if (typeof stored === 'object') return stored;
    throw new TrustUnavailable(stored === 'expired' ? 'trust-list-expired' : 'no-trust-list');
  }
}

/** When the trust list was last fetched, if one is kept. */
export function trustListFetchedAt(): Date | undefined {
  const list = read<Stored<string>>(trustListKey);
  return list ? new Date(list.fetchedAt) : undefined;
}

type StatusStore = Record<string, Stored<string>>;

/** Seconds a status list token may be kept before a fresh one should be fetched (its `ttl`, else 300 s). */
function ttlOf(token: string): number {
  try {
    const { ttl } = decodeJwt(token);
    return typeof ttl === 'number' && ttl > 0 ? ttl : 300;
  } catch {
    return 300;
  }
}

async function fetchStatusList(uri: string): Promise<Stored<string>> {
  const token = (await (await get(uri)).text()).trim();
  const entry = { value: token, fetchedAt: Date.now() };
  const store = read<StatusStore>(statusKey) ?? {};
  store[uri] = entry;
  const uris = Object.keys(store).sort((a, b) => store[b]!.fetchedAt - store[a]!.fetchedAt);
  for (const old of uris.slice(statusListsKept)) delete store[old];
  write(statusKey, store);
  return entry;
}

/** What a verification used of a status list: for "updated 3 min ago". */
export interface StatusUse {
  uri: string;
  fetchedAt: Date;
}

/**
 * The status list for a verification: a fresh copy when the network answers (a verification is the
 * moment a revocation must show), else the kept copy, which verify.ts still refuses after its `exp`
 * (one day). `used` records which copy answered.
 */
export function statusListSource(used: (use: StatusUse) => void): (uri: string) => Promise<string> {
  return async (uri) => {
    let entry: Stored<string> | undefined;
    try {
      entry = await fetchStatusList(uri);
    } catch (error) {
      entry = read<StatusStore>(statusKey)?.[uri];
      if (!entry) throw error;
    }
    used({ uri, fetchedAt: new Date(entry.fetchedAt) });
    return entry.value;
  };
}

/**
 * The background refresh while the page is open and online: the trust list when older than ten
 * minutes, each kept status list once its `ttl` has passed. Failures wait for the next round.
 */
export async function refreshInBackground(now = Date.now()): Promise<void> {
  const fetchedAt = trustListFetchedAt();
  if (!fetchedAt || now - fetchedAt.getTime() >= trustListMaxAgeMs)
    await refreshTrustList().catch(() => undefined);
  const store = read<StatusStore>(statusKey) ?? {};
  for (const [uri, entry] of Object.entries(store)) {
    if (now - entry.fetchedAt >= ttlOf(entry.value) * 1000) await fetchStatusList(uri).catch(() => undefined);
  }
}
