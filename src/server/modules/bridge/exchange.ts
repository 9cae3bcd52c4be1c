import type { FastifyRequest } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import type { MessageLog } from './message-log.ts';
import type { NonceStore } from './nonces.ts';
import type { QuotaTracker } from './quotas.ts';
import type { BridgeKey } from './signing.ts';
import type { EndpointView, RightView, ServiceView, Snapshot, SubsystemView } from './snapshot.ts';

/** What a consent hook decides for a personal-data service: which consent or legal basis allows the call. */
/** Which consent (and, when it names them, which fields of the answer) or legal basis allows the call. */
export type ConsentDecision = { consentId: string; fields?: string[] } | { legalBasis: string };
/** The consent module plugs in here; it throws a `bridge-consent-required` problem to refuse. */
export type ConsentHook = (exchange: Exchange) => Promise<ConsentDecision>;

export interface GatewayDeps {
  database: Database;
  snapshot: () => Snapshot;
  nonces: NonceStore;
  quotas: QuotaTracker;
  log: MessageLog;
  bridgeKey: () => BridgeKey;
  publicUrl: string;
  clock: () => Date;
  consent: ConsentHook;
  limits: {
    /** Largest request body forwarded, in bytes. */
    bodyBytes: number;
    /** How old a signature's `created` may be, and how long its nonce is remembered. */
    replayWindowSeconds: number;
    /** Responses up to this size are buffered and signed in headers; larger ones are streamed. */
    bufferBytes: number;
  };
}

/** One request through the gateway: what the checks learn, in order, and what is logged. */
export interface Exchange {
  request: FastifyRequest;
  id: string;
  startedAt: Date;
  startedNs: bigint;
  /** The request path after /r1/, still percent-encoded, and the query string without '?'. */
  rawPath: string;
  rawQuery: string;
  snapshot: Snapshot;
  xroadId: string;
  userId: string | null;
  issue: string | null;
  subject: string | null;
  hasBody: boolean;
  client?: SubsystemView;
  keyid?: string;
  nonce?: string;
  service?: ServiceView;
  provider?: SubsystemView;
  /** Path inside the service, e.g. /people/123. */
  servicePath?: string;
  endpoint?: EndpointView;
  right?: RightView;
  target?: URL;
  consentId: string | null;
  legalBasis: string | null;
  /** SHA-256 of the request's signature headers (X-Road-Request-Hash), once computed. */
  requestHash?: string;
  /** Set when a daily quota admitted the call: the day it counts for. */
  quotaDay?: string;
  /** The answer's fields the consent allows; absent: the whole answer. */
  fields?: string[];
  /** Set once a message-log write was attempted, so a failure is never logged twice. */
  logged: boolean;
}

export type Check = (exchange: Exchange, deps: GatewayDeps) => void | Promise<void>;
