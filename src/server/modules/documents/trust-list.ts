import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { signTrustList as signTrustListJws } from './credential.ts';
import {
  type DocumentKeysDeps,
  type PublicJwk,
  publishedIssuerKeys,
  publishedTrustKeys,
  trustKey,
} from './issuers.ts';

export interface TrustListDeps extends DocumentKeysDeps {
  /** The platform's URL: the trust list's `iss`. */
  publicUrl: string;
  /** Which document types each administration issues (organisation identifier → types). */
  documentTypes: Readonly<Record<string, readonly string[]>>;
}

export interface TrustListIssuer {
  identifier: string;
  name: string;
  keys: PublicJwk[];
  documentTypes: string[];
}

export const trustListLifetimeSeconds = 24 * 60 * 60;

/**
 * The administrations that issue documents and their published keys, as verifiers need them:
 * those of `documentTypes` known to the organisations registry, and any other that still has a
 * published key. An administration that has not issued yet is listed with no key.
 */
export async function trustListIssuers(deps: TrustListDeps): Promise<TrustListIssuer[]> {
  const keys = await publishedIssuerKeys(deps.database);
  const identifiers = [...new Set([...Object.keys(deps.documentTypes), ...keys.keys()])].sort();
  if (identifiers.length === 0) return [];
  const names = new Map(
    (
      await deps.database.query<{ identifier: string; name: string }>(
        `SELECT identifier, name FROM organisations WHERE identifier IN (${identifiers.map((_, i) => `$${i + 1}`).join(', ')})`,
        identifiers,
      )
    ).map((r) => [r.identifier, r.name]),
  );
  return identifiers.flatMap((identifier) => {
    const name = names.get(identifier);
    if (name === undefined) return [];
    return [
      {
        identifier,
        name,
        keys: keys.get(identifier) ?? [],
        documentTypes: [...(deps.documentTypes[identifier] ?? [])],
      },
    ];
  });
}

/**
 * The trust list as a compact JWS signed with the platform's trust key: verifiers check it against
 * the pinned trust anchor, then trust the issuer keys it lists for the document types it lists.
 */
export async function signTrustList(deps: TrustListDeps, now: Date): Promise<string> {
  const key = await trustKey(deps);
  const issuers = await trustListIssuers(deps);
  const iat = Math.floor(now.getTime() / 1000);
  return signTrustListJws({
    key,
    trustList: { iss: deps.publicUrl, iat, exp: iat + trustListLifetimeSeconds, issuers },
  });
}

/** The JWKS of the trust keys: the anchor verifiers pin (created with the first trust key). */
export async function trustAnchorKeys(deps: DocumentKeysDeps): Promise<{ keys: PublicJwk[] }> {
  await trustKey(deps);
  return { keys: await publishedTrustKeys(deps.database) };
}

/** How long this node serves the same signed list while no key changes. */
const trustListMemoMs = 60_000;

const Jwk = Type.Record(Type.String(), Type.Unknown());

/** Public routes of verifiable documents' trust: the signed trust list and its anchor. */
export async function documentsTrustRoutes(
  instance: FastifyInstance,
  opts: { deps: TrustListDeps },
): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  let memo: { until: number; version: string; jws: string } | undefined;

  app.get(
    '/documents/trust-list',
    {
      config: { access: 'public' },
      schema: {
        tags: ['documents'],
        summary:
          'The administrations that issue verifiable documents, their keys and document types (a JWS signed with the trust anchor, typ jokko-trust-list+jwt, valid 24 hours)',
        operationId: 'documentsTrustList',
        security: [],
        response: {
          200: {
            description:
              'Compact JWS of { iss, iat, exp, issuers: [{ identifier, name, keys, documentTypes }] }',
            content: { 'application/jwt': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (_request, reply) => {
      const now = deps.clock();
      // A key made, rotated or retired on any node changes the list at once; otherwise it is re-signed each minute.
      const [keys] = await deps.database.query<{ version: string }>(
        `SELECT concat_ws(':', (SELECT max(seq) FROM documents_issuer_keys), (SELECT count(*) FROM documents_issuer_keys WHERE retired_at IS NULL),
                           (SELECT max(seq) FROM documents_trust_keys), (SELECT count(*) FROM documents_trust_keys WHERE retired_at IS NULL)) AS version`,
      );
      const version = keys?.version ?? '';
      if (!memo || memo.until <= now.getTime() || memo.version !== version) {
        memo = { until: now.getTime() + trustListMemoMs, version, jws: await signTrustList(deps, now) };
      }
      return reply.type('application/jwt').header('cache-control', 'public, max-age=300').send(memo.jws);
    },
  );

  app.get(
    '/documents/trust-anchor',
    {
      config: { access: 'public' },
      schema: {
        tags: ['documents'],
        summary: 'The public keys that sign the trust list (JWKS): the anchor verifiers pin',
        operationId: 'documentsTrustAnchor',
        security: [],
        response: { 200: Type.Object({ keys: Type.Array(Jwk) }) },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return trustAnchorKeys(deps);
    },
  );
}
