import type { KeyObject } from 'node:crypto';
import { createBridgeClient } from '../../../client/index.ts';
import type { Database } from '../../platform/db/database.ts';
import type { AuditLog } from '../audit/index.ts';
import { ensureSubsystemAccess } from './platform-access.ts';

export interface AdministrationBridge {
  /** Calls a registry service; retries briefly while fresh rights reach the gateway. */
  call(
    registry: string,
    call: { method?: 'GET' | 'POST'; path: string; body?: object },
  ): Promise<{ status: number; json: () => unknown }>;
  /** Bridge service identifiers by registry code. */
  services: Record<string, string>;
}

export interface AdministrationDeps {
  database: Database;
  audit: AuditLog;
  instance: string;
  bridgeUrl: string;
  /** The platform module's Ed25519 key, registered under each administration's subsystem. */
  key: { kid: string; privateKey: KeyObject; publicJwk: Record<string, unknown> };
}

// Per database (tests run two engines in one process): grants already made.
const grantsByDatabase = new WeakMap<object, Map<string, ReturnType<typeof ensureSubsystemAccess>>>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A platform module acting for an administration (e-services pre-filling a form, documents
 * issuing a credential) reaches the registries through the Digital Bridge as that
 * administration's subsystem, under a declared legal basis (granted on first use), so every read
 * and change is signed, logged and shown in the citizen's data tracker.
 */
export async function connectAdministration(
  deps: AdministrationDeps,
  input: {
    organisation: string;
    subsystem: string;
    registries: string[];
    legalBasis: string;
    /** The citizen concerned and the case (application reference) the calls are made for. */
    subject: { nin: string; issue: string };
  },
): Promise<AdministrationBridge> {
  const keyid = `${input.organisation.toLowerCase()}-${input.subsystem}-${deps.key.kid}`;
  const grant = () =>
    ensureSubsystemAccess(deps.database, deps.audit, {
      instance: deps.instance,
      organisation: input.organisation,
      subsystem: input.subsystem,
      key: { keyid, publicJwk: deps.key.publicJwk },
      registries: input.registries,
      legalBasis: input.legalBasis,
    });
  const cacheKey = `${input.organisation}:${input.subsystem}:${input.registries.join(',')}:${keyid}:${input.legalBasis}`;
  let access = grantsByDatabase.get(deps.database);
  if (!access) {
    access = new Map();
    grantsByDatabase.set(deps.database, access);
  }
  let granted = access.get(cacheKey);
  if (!granted) {
    granted = grant();
    access.set(cacheKey, granted);
    granted.catch(() => access?.delete(cacheKey));
  }
  let { client, settling, services } = await granted;
  // A registry published after the first grant: ask again (idempotent).
  if (input.registries.some((r) => !services[r])) {
    access.delete(cacheKey);
    ({ client, settling, services } = await grant());
  }
  const bridge = createBridgeClient({
    bridgeUrl: deps.bridgeUrl,
    client,
    keyid,
    privateKey: deps.key.privateKey,
    alg: 'ed25519',
  });
  return {
    services,
    async call(registry, call) {
      const service = services[registry];
      if (!service) throw new Error(`the ${registry} registry is not published on the bridge`);
      const started = Date.now();
      for (;;) {
        const answer = await bridge.call({
          service,
          path: call.path,
          ...(call.method ? { method: call.method } : {}),
          ...(call.body === undefined ? {} : { body: call.body }),
          subject: input.subject.nin,
          issue: input.subject.issue,
        });
        // Fresh rights reach every node's gateway at its next snapshot poll (250 ms, longer on a
        // loaded node behind a load balancer): retry for a while then.
        if (settling && (answer.status === 401 || answer.status === 403) && Date.now() - started < 10_000) {
          await sleep(200);
          continue;
        }
        return { status: answer.status, json: () => answer.json<unknown>() };
      }
    },
  };
}
