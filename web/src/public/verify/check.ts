import { decodeJwt } from 'jose';
import {
  type VerificationResult,
  verifyCredential,
  verifyPresentation,
} from '../../../../src/shared/documents/index.ts';
import {
  currentTrustList,
  type StatusUse,
  statusListSource,
  type TrustProblem,
  TrustUnavailable,
} from './trust.ts';

/** A presentation older than this is refused: a QR code seen yesterday is not shown today. */
export const maxAgeSeconds = 300;

export type Outcome =
  | {
      kind: 'result';
      result: VerificationResult;
      trustListFetchedAt?: Date;
      status?: StatusUse;
      /** A paper copy (a credential without key binding, from a PDF): the holder's identity is to be checked. */
      paper?: boolean;
    }
  /** No verdict on the document: this phone has no valid trust list to check it with. */
  | { kind: 'cannot-check'; problem: TrustProblem };

/**
 * The presentation in what was scanned or pasted: a verification link (the presentation is its
 * fragment, never sent to a server by the browser) or the presentation itself.
 */
export function presentationIn(text: string): string {
  let code = text.replace(/\s+/g, '');
  if (code.includes('#')) code = code.slice(code.indexOf('#') + 1);
  try {
    return decodeURIComponent(code);
  } catch {
    return code;
  }
}

/**
 * The audiences a QR presentation may name: the public verifier (`jokko-verifier`, what the wallet
 * shows when it does not know who will scan) or this page's URL. A presentation made for someone
 * else (a bank's OpenID4VP request) is refused here, so it cannot be replayed at a counter.
 */
export const acceptedAudiences = (origin: string) => ['jokko-verifier', `${origin}/verify`];

function audienceOf(presentation: string): unknown {
  try {
    return decodeJwt(presentation.slice(presentation.lastIndexOf('~') + 1)).aud;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a presentation in the browser against the kept trust list and status lists (fresh ones
 * when the network answers). There is no challenge (`nonce`) to check: the QR is shown without the
 * verifier asking, so the five-minute limit on its age is what stops replays.
 */
export async function checkPresentation(text: string, origin: string, now = new Date()): Promise<Outcome> {
  const presentation = presentationIn(text);
  // Not an SD-JWT at all: no need of the trust list to say so.
  if (!/^[\w.~-]+$/.test(presentation) || !presentation.includes('~'))
    return { kind: 'result', result: { valid: false, reason: 'malformed', detail: 'not an SD-JWT' } };
  // A paper copy's QR holds the credential itself (it ends with "~"): no key binding to check.
  const paper = presentation.endsWith('~');
  const accepted = acceptedAudiences(origin);
  const audience = audienceOf(presentation);
  const expectedAudience = accepted.find((a) => a === audience) ?? accepted[0];
  const run = async (maxAgeMs?: number): Promise<Outcome> => {
    const trust = await currentTrustList(now, maxAgeMs);
    let status: StatusUse | undefined;
    const statusList = statusListSource((use) => {
      status = use;
    });
    const result = paper
      ? await verifyCredential(presentation, { trustList: trust.trustList, statusList, now })
      : await verifyPresentation(presentation, {
          trustList: trust.trustList,
          statusList,
          now,
          maxAgeSeconds,
          expectedAudience,
        });
    return {
      kind: 'result',
      result,
      trustListFetchedAt: trust.fetchedAt,
      status,
      ...(paper ? { paper } : {}),
    };
  };
  try {
    const outcome = await run();
    // An administration may have got a key since the list was kept: ask for the current list once.
    if (outcome.kind === 'result' && !outcome.result.valid && outcome.result.reason === 'unknown-issuer')
      return await run(0);
    return outcome;
  } catch (error) {
    if (error instanceof TrustUnavailable) return { kind: 'cannot-check', problem: error.problem };
    throw error;
  }
}
