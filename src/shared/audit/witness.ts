import type { JWK } from 'jose';
import {
  type ExchangeProof,
  type ExchangeProofFailure,
  verifyExchangeProof,
  verifyTreeHead,
} from './evidence.ts';
import { type ConsistencyProof, type TreeHead, verifyConsistency } from './merkle.ts';

/**
 * A witness outside the operator's reach (the `jokko audit witness` command, or a citizen's phone): it keeps the last signed tree head it saw and checks
 * that every new one extends it (a consistency proof). Any fork, rewrite or truncation of the log
 * after that head is then caught, an administrator's included. What it keeps is its state file.
 */
export interface WitnessState {
  /** The log's base URL, e.g. https://jokko.example/v1/audit. */
  log: string;
  /** The log's keys as first seen (pinned); heads signed by others are alerts. */
  keys: JWK[];
  head: TreeHead;
  checkedAt: string;
}

export type WitnessOutcome =
  | { kind: 'first'; head: TreeHead; state: WitnessState }
  | { kind: 'unchanged' | 'extended'; head: TreeHead; previous: TreeHead; state: WitnessState }
  | { kind: 'alert'; reason: string; head?: TreeHead; previous?: TreeHead };

async function getJson<T>(fetcher: typeof fetch, url: string): Promise<T> {
  const res = await fetcher(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return (await res.json()) as T;
}

export async function runWitness(options: {
  log: string;
  state?: WitnessState;
  fetch?: typeof fetch;
  now?: () => Date;
}): Promise<WitnessOutcome> {
  const fetcher = options.fetch ?? fetch;
  const log = options.log.replace(/\/+$/, '');
  const previous = options.state;
  if (previous && previous.log !== log)
    return { kind: 'alert', reason: `the state file belongs to ${previous.log}, not ${log}` };
  const head = await getJson<TreeHead>(fetcher, `${log}/tree-head`);
  let keys = previous?.keys;
  if (!keys?.some((k) => k.kid === head.kid)) {
    // First contact pins the keys; a new key later is accepted only if every pinned key is still listed.
    const published = (await getJson<{ keys: JWK[] }>(fetcher, `${log}/log-keys`)).keys;
    if (keys) {
      const dropped = keys.filter((k) => !published.some((p) => p.kid === k.kid && p.x === k.x));
      if (dropped.length)
        return {
          kind: 'alert',
          reason: `the log no longer lists pinned key(s) ${dropped.map((k) => k.kid).join(', ')}`,
          head,
        };
    }
    keys = published;
  }
  if (!(await verifyTreeHead(head, keys)))
    return {
      kind: 'alert',
      reason: `the tree head of size ${head.treeSize} is not validly signed by the log`,
      head,
    };
  const state: WitnessState = {
    log,
    keys,
    head,
    checkedAt: (options.now ?? (() => new Date()))().toISOString(),
  };
  if (!previous) return { kind: 'first', head, state };
  const old = previous.head;
  if (head.treeSize < old.treeSize)
    return {
      kind: 'alert',
      reason: `the log shrank from ${old.treeSize} to ${head.treeSize} entries: truncated or rewritten`,
      head,
      previous: old,
    };
  if (head.treeSize === old.treeSize) {
    if (head.rootHash !== old.rootHash)
      return {
        kind: 'alert',
        reason: `two different roots for ${head.treeSize} entries: the log forked or was rewritten`,
        head,
        previous: old,
      };
    return { kind: 'unchanged', head, previous: old, state };
  }
  if (old.treeSize === 0) return { kind: 'extended', head, previous: old, state };
  const proof = await getJson<ConsistencyProof>(
    fetcher,
    `${log}/proofs/consistency?from=${old.treeSize}&to=${head.treeSize}`,
  );
  const consistent =
    proof.fromSize === old.treeSize &&
    proof.toSize === head.treeSize &&
    (await verifyConsistency(proof, old.rootHash, head.rootHash));
  if (!consistent)
    return {
      kind: 'alert',
      reason: `the tree of ${head.treeSize} entries does not extend the one of ${old.treeSize} seen at ${previous.checkedAt}: the log forked or was rewritten`,
      head,
      previous: old,
    };
  return { kind: 'extended', head, previous: old, state };
}

export type ExchangeInLog =
  | { ok: true; treeHead: TreeHead; witnessed: TreeHead; state: WitnessState }
  | { ok: false; failed: ExchangeProofFailure | 'log' | 'consistency'; reason?: string };

/**
 * What the super-app checks when a citizen asks whether an exchange about them is in the log: the
 * device acts as a witness (the log's newest head extends the one it kept, under the keys it
 * pinned), the exchange's proof holds under its head with those keys, and that head and the
 * witnessed one are the same tree or one extends the other. A log that showed this citizen a
 * private branch would have to keep doing so at every later check.
 */
export async function checkExchangeInLog(options: {
  log: string;
  proof: ExchangeProof;
  state?: WitnessState;
  fetch?: typeof fetch;
}): Promise<ExchangeInLog> {
  const fetcher = options.fetch ?? fetch;
  const witnessed = await runWitness({
    log: options.log,
    ...(options.state ? { state: options.state } : {}),
    fetch: fetcher,
  });
  if (witnessed.kind === 'alert') return { ok: false, failed: 'log', reason: witnessed.reason };
  const { state } = witnessed;
  const checked = await verifyExchangeProof(options.proof, state.keys);
  if (!checked.ok) return checked;
  const [small, large] =
    checked.treeHead.treeSize <= state.head.treeSize
      ? [checked.treeHead, state.head]
      : [state.head, checked.treeHead];
  let tied = small.treeSize === large.treeSize && small.rootHash === large.rootHash;
  if (small.treeSize < large.treeSize) {
    const proof = await getJson<ConsistencyProof>(
      fetcher,
      `${state.log}/proofs/consistency?from=${small.treeSize}&to=${large.treeSize}`,
    );
    tied =
      proof.fromSize === small.treeSize &&
      proof.toSize === large.treeSize &&
      (await verifyConsistency(proof, small.rootHash, large.rootHash));
  }
  if (!tied) return { ok: false, failed: 'consistency' };
  return { ok: true, treeHead: checked.treeHead, witnessed: state.head, state };
}
