import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { getCountryProfile } from '../shared/countries/index.ts';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { auditRoutes, createAuditLog } from './modules/audit/index.ts';
import { bridgeRoutes, createBridgeRuntime, eventRoutes, gatewayRoutes } from './modules/bridge/index.ts';
import {
  type ConsentDeps,
  consentRoutes,
  createConsentHook,
  createConsentView,
  decideRedirectRequest,
  describeRedirectRequest,
  loadConsentKey,
} from './modules/consent/index.ts';
import {
  createDocumentsDeps,
  documentsRoutes,
  documentsTrustRoutes,
  issuerDocumentTypes,
  mergeIssuers,
  revokeDocumentsOfRecord,
} from './modules/documents/index.ts';
import {
  createEservicesDeps,
  eservicesRoutes,
  loadRepositoryProcedures,
  outputIssuers,
} from './modules/eservices/index.ts';
import {
  authenticateAccessToken,
  authenticateApiKey,
  createOidcProvider,
  type DataRequestPort,
  enrolRoutes,
  identityAdminRoutes,
  meRoutes,
  oidcRoutes,
  registerOfficeClient,
  registerSuperAppClient,
} from './modules/identity/index.ts';
import { notifyRoutes } from './modules/notify/index.ts';
import { organisationOfClient, partnerRoutes } from './modules/partners/index.ts';
import { registriesRoutes } from './modules/registries/index.ts';
import type { Database } from './platform/db/database.ts';
import {
  answerClientError,
  answerFrameworkError,
  installErrorHandling,
  sendProblem,
} from './platform/http/errors.ts';
import { Problem } from './platform/http/problems.ts';
import {
  admitActor,
  policyMistake,
  publishedPolicy,
  type RoutePolicy,
  withPublishedPolicies,
} from './platform/http/route-access.ts';
import { HealthSchema, ProblemSchema } from './platform/http/schemas.ts';
import {
  defaultContentSecurityPolicy,
  overHttps,
  securityHeaders,
} from './platform/http/security-headers.ts';
import { webAppRoutes } from './platform/http/web-shells.ts';
import { createKmsFromConfig } from './platform/kms.ts';
import { loggerOptions } from './platform/logger.ts';
import { createMetrics } from './platform/metrics.ts';
import { createRateLimiter } from './platform/rate-limit.ts';
import { prepareStoredSecrets } from './stored-secrets.ts';

export interface BuildAppOptions {
  config: Config;
  database: Database;
  /** Where logs go (tests capture them); default stdout. */
  logStream?: DestinationStream;
  clock?: () => Date;
  /** Folder of the built web app; default web/dist. Absent folder: no web app is served. */
  webDir?: string;
}

export const defaultWebDir = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const requestIdPattern = /^[A-Za-z0-9._-]{8,128}$/;
const apiPrefixes = [
  '/v1',
  '/health',
  '/metrics',
  '/docs',
  '/openapi.json',
  '/oidc',
  '/interaction',
  '/interaction-assets',
  '/enrol',
  '/r1',
  '/e1',
];

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config, database } = options;
  const clock = options.clock ?? (() => new Date());
  const app = Fastify({
    logger: options.logStream
      ? { ...loggerOptions(config.logLevel), stream: options.logStream }
      : loggerOptions(config.logLevel),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    // A caller's X-Request-Id is kept only when well formed (genReqId checks it; Fastify's own
    // header option would take any value), so traces join up across systems without log injection.
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
    },
    ajv: {
      customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true },
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const ctx: AppContext = {
    config,
    database,
    country: getCountryProfile(config.country),
    audit: createAuditLog(database, { clock }),
    logger: app.log,
    clock,
  };

  // Keys and secrets at rest open with the configured master key; a wrong one stops here.
  const kms = createKmsFromConfig(config.kms);
  await prepareStoredSecrets(database, kms);
  const consentView = createConsentView(database);
  const consentKey = await loadConsentKey(database, kms, clock());
  const consentDeps: ConsentDeps = {
    database,
    audit: ctx.audit,
    country: ctx.country,
    clock,
    key: () => consentKey,
    onChange: (id) => consentView.forget(id),
  };
  // The redirect flow of consent: the sign-in pages answer a partner's data request.
  const dataRequests: DataRequestPort = {
    async describe(requestId, clientId, nin) {
      const organisation = await organisationOfClient(database, clientId);
      const found = await describeRedirectRequest(consentDeps, requestId, organisation, nin);
      return found && { ...found, purpose: found.purpose.text };
    },
    async decide(requestId, clientId, citizen, decision, origin) {
      await decideRedirectRequest(
        consentDeps,
        { kind: 'citizen', id: citizen.accountId, nin: citizen.nin, roles: [], clientId },
        requestId,
        await organisationOfClient(database, clientId),
        decision,
        origin,
      );
    },
  };
  const oidcDeps = { ...ctx, publicUrl: config.publicUrl, trustProxy: config.trustProxy, kms, dataRequests };
  const oidc = await createOidcProvider(oidcDeps);
  await registerSuperAppClient(database, config.publicUrl, kms);
  await registerOfficeClient(database, config.publicUrl, kms);
  const limiter = createRateLimiter(database);

  app.addSchema(ProblemSchema);
  installErrorHandling(app);
  const metrics = createMetrics();

  // Every route declares who may call it; a route that does not stops start-up (checked once all
  // plugins have registered theirs, see publicPlugins below).
  const routes: Array<{ method: string | string[]; url: string; config?: Partial<RoutePolicy> }> = [];
  app.addHook('onRoute', (route) => {
    routes.push(route as (typeof routes)[number]);
    // A public operation says so in the document: no security requirement.
    if (route.config?.access === 'public' && route.schema && !route.schema.security)
      route.schema.security = [];
    if (route.schema && !route.schema.hide) {
      route.schema.response = {
        ...(route.schema.response as object | undefined),
        '4xx': { $ref: 'Problem#' },
        '5xx': { $ref: 'Problem#' },
      };
    }
  });
  app.addHook('onReady', async () => {
    const name = (r: (typeof routes)[number]) => `${r.method} ${r.url}`;
    const undeclared = routes.filter((r) => !r.config?.access).map(name);
    if (undeclared.length) throw new Error(`routes without config.access: ${undeclared.join(', ')}`);
    const unsound = routes.flatMap((r) => {
      const mistake = policyMistake(r.config);
      return mistake ? [`${name(r)} (${mistake})`] : [];
    });
    if (unsound.length) throw new Error(`routes with an unsound access policy: ${unsound.join(', ')}`);
  });
  // The route table with each policy, for the access-control test to review hidden routes too.
  app.decorate('routePolicies', () =>
    routes.map((r) => ({ method: r.method, url: r.url, ...publishedPolicy(r.config ?? {}) })),
  );

  app.decorateRequest('actor', undefined);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const policy = request.routeOptions.config as Partial<RoutePolicy> | undefined;
    // Signed (bridge) and OpenID provider routes authenticate by their own protocol: a bearer there
    // is not ours to resolve.
    const ownProtocol = policy?.access === 'signed' || policy?.access === 'oidc';
    const header = ownProtocol ? undefined : request.headers.authorization;
    if (header?.startsWith('Bearer ')) {
      const token = header.slice(7).trim();
      // Operator and partner keys start with jk_; anything else may be a citizen's access token.
      request.actor = token.startsWith('jk_')
        ? await authenticateApiKey(database.db, token, clock())
        : await authenticateAccessToken(oidc.provider, database, token);
    }
    if (policy?.access !== 'authenticated') return;
    if (!request.actor) {
      reply.header('www-authenticate', header ? 'Bearer error="invalid_token"' : 'Bearer');
      return sendProblem(
        request,
        reply,
        new Problem(
          'unauthenticated',
          header ? 'The bearer token is invalid, expired or revoked' : undefined,
        ),
      );
    }
    try {
      admitActor(policy as RoutePolicy, request.actor);
    } catch (problem) {
      return sendProblem(request, reply, problem as Problem);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.headers(securityHeaders(overHttps(request, config.publicUrl)));
    if (!reply.hasHeader('content-security-policy'))
      reply.header('content-security-policy', defaultContentSecurityPolicy);
    if (request.routeOptions.config?.access === 'authenticated') reply.header('cache-control', 'no-store');
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime,
    );
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Jokko API',
        version: '0.1.0',
        description:
          'Open digital-government platform. Every error is an RFC 9457 problem details document (`application/problem+json`) with a stable `type`.',
      },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An operator or partner API key (jk_...), or a citizen access token issued by /oidc to an app acting for them',
          },
        },
      },
      security: [{ bearer: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (json.$id as string) ?? `def-${i}`,
    },
    transformObject: (documents) =>
      withPublishedPolicies(
        ('openapiObject' in documents ? documents.openapiObject : documents.swaggerObject) as {
          paths?: Record<string, Record<string, unknown>>;
        },
        app.routePolicies(),
      ),
  });

  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );

  app.get(
    '/health/live',
    {
      config: { access: 'public' },
      schema: {
        tags: ['platform'],
        summary: 'The process is up',
        operationId: 'healthLive',
        security: [],
        response: { 200: HealthSchema },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/ready',
    {
      config: { access: 'public' },
      schema: {
        tags: ['platform'],
        summary: 'The process can serve requests (database reachable)',
        operationId: 'healthReady',
        security: [],
        response: { 200: HealthSchema },
      },
    },
    async () => {
      try {
        await withTimeout(database.query('SELECT 1'), 2000);
      } catch (err) {
        app.log.warn({ err }, 'readiness check failed');
        throw new Problem('unavailable', 'The database is not reachable');
      }
      return { status: 'ready' as const, checks: { database: 'ok' } };
    },
  );

  app.get(
    '/metrics',
    {
      config: { access: 'public' },
      schema: {
        tags: ['platform'],
        summary: 'Prometheus metrics (no personal data; restrict at the network edge)',
        operationId: 'metrics',
        security: [],
        response: {
          200: {
            description: 'Prometheus text exposition format',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()),
  );

  await app.register(oidcRoutes, { deps: oidcDeps, runtime: oidc, limiter });
  await app.register(meRoutes, { prefix: '/v1', deps: oidcDeps, runtime: oidc, limiter });
  await app.register(enrolRoutes, { deps: oidcDeps, runtime: oidc, limiter });
  await app.register(auditRoutes, { prefix: '/v1', ctx: { database, audit: ctx.audit, kms, clock } });
  await app.register(registriesRoutes, { prefix: '/v1', ctx });
  await app.register(identityAdminRoutes, { prefix: '/v1', ctx });
  app.addHook('onClose', async () => consentView.drain());
  const bridge = await createBridgeRuntime(ctx, {
    kms,
    metrics: metrics.register,
    consent: createConsentHook(database, clock, consentView),
  });
  await app.register(consentRoutes, {
    prefix: '/v1',
    deps: consentDeps,
    transparency: { database, audit: ctx.audit, kms, clock },
  });
  await app.register(notifyRoutes, {
    prefix: '/v1',
    deps: { database, audit: ctx.audit, country: ctx.country, clock },
  });
  app.addHook('onClose', async () => bridge.close());
  await app.register(bridgeRoutes, { prefix: '/v1', deps: bridge.catalogue });
  await app.register(partnerRoutes, {
    prefix: '/v1',
    limiter,
    deps: {
      database,
      audit: ctx.audit,
      catalogue: bridge.catalogue,
      clock,
      issuer: `${config.publicUrl}/oidc`,
    },
  });
  const eservices = createEservicesDeps({
    database,
    audit: ctx.audit,
    country: ctx.country,
    clock,
    publicUrl: config.publicUrl,
    kms,
    // Wallet documents made from a record an approval changed are revoked.
    onRecordChanged: (change) => revokeDocumentsOfRecord({ database, audit: ctx.audit, clock }, change),
  });
  await loadRepositoryProcedures(eservices);
  await app.register(eservicesRoutes, { prefix: '/v1', deps: eservices });
  const documents = createDocumentsDeps({
    database,
    audit: ctx.audit,
    clock,
    kms,
    country: ctx.country,
    publicUrl: config.publicUrl,
  });
  await app.register(documentsRoutes, { prefix: '/v1', deps: documents });
  await app.register(documentsTrustRoutes, {
    prefix: '/v1',
    deps: {
      ...documents,
      documentTypes: mergeIssuers(issuerDocumentTypes(ctx.country), await outputIssuers(database)),
    },
  });
  await app.register(gatewayRoutes, {
    deps: bridge.gateway,
    backends: bridge.backends,
    metrics: metrics.register,
  });
  await app.register(eventRoutes, { deps: bridge.gateway });

  const webDir = options.webDir ?? defaultWebDir;
  const indexHtml = existsSync(`${webDir}/index.html`) ? readFileSync(`${webDir}/index.html`) : undefined;
  // Documentation and the built web apps are public by nature; their plugins' routes are marked so.
  await app.register(async function publicPlugins(scope) {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'public' };
    });
    await scope.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });
    if (indexHtml) await scope.register(webAppRoutes, { webDir });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const wantsPage = request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
    // The web apps route on the client: unknown page paths get the shell, API paths a problem.
    if (indexHtml && wantsPage && !apiPrefixes.some((p) => path === p || path.startsWith(`${p}/`))) {
      return reply.type('text/html').send(indexHtml);
    }
    return sendProblem(request, reply, new Problem('not-found', `No route for ${request.method} ${path}`));
  });

  app.addHook('onClose', async () => {
    metrics.close();
  });

  return app;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
