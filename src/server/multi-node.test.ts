import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../shared/countries/index.ts';
import { createAuditLog, verifyAuditLog } from './modules/audit/index.ts';
import { createBridgeClient, publishReferenceServices } from './modules/bridge/index.ts';
import {
  accessTokenFor,
  createAccount,
  createApiKey,
  LoginBrowser,
  registerConfidentialTwin,
  superAppClientId,
} from './modules/identity/index.ts';
import { listPeople, seedDemoCountry } from './modules/registries/index.ts';
import type { Database } from './platform/db/database.ts';
import { migrate } from './platform/db/migrate.ts';
import { createTestDatabase, type TestDatabase, testEngines } from './platform/db/testing.ts';
import { problemType } from './platform/http/problems.ts';
import { developmentKms } from './platform/kms.ts';
import { outputOf, startServerOnFreePort, startSmtpSink } from './testing/processes.ts';
import { callApi } from './testing.ts';

const password = 'Baobab-sous-la-pluie-2026';
const secret = 'a-long-random-secret-for-the-super-app-0123456789';
const redirectUri = 'https://app.jokko.example/cb';
const people = 'SN/GOV/DAF/registries/people/v1';
const criminal = 'sn-criminal-record-extract';

/**
 * A load balancer in miniature: each request goes to the next node in turn, as a proxy in front of
 * a deployment would send it, with the X-Forwarded-* headers such a proxy adds. It remembers which
 * node served which request so a test can show that a flow really crossed nodes.
 */
function startRoundRobinProxy(): Promise<{
  url: string;
  server: Server;
  setNodes(urls: string[]): void;
  served: Array<{ node: number; method: string; path: string }>;
}> {
  let nodes: URL[] = [];
  let next = 0;
  const served: Array<{ node: number; method: string; path: string }> = [];
  const server = createServer((req, res) => {
    const node = next++ % nodes.length;
    const target = nodes[node]!;
    served.push({ node, method: req.method ?? 'GET', path: req.url ?? '/' });
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress]
      .filter(Boolean)
      .join(', ');
    const upstream = forward(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        // Host stays the public one, so the nodes see the address of PUBLIC_URL.
        headers: {
          ...req.headers,
          'x-forwarded-for': forwardedFor,
          'x-forwarded-proto': 'http',
          'x-forwarded-host': req.headers.host ?? '',
        },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        server,
        served,
        setNodes(urls) {
          nodes = urls.map((u) => new URL(u));
        },
      }),
    ),
  );
}

/**
 * Two nodes in the `all` role behind the proxy, on one PostgreSQL: every node alike, as a small
 * deployment runs them (docs/scaling.md splits `api` and `worker` when they need to scale apart).
 * Each node serves HTTP and runs the workers, so two workers really compete for the notify queue,
 * with half the processes of two `api` and two `worker` nodes. PGlite is single-process by
 * nature: PostgreSQL only.
 */
describe.runIf(testEngines().includes('postgres'))(
  'several nodes on one PostgreSQL behind a load balancer',
  () => {
    const children: ChildProcess[] = [];
    let pgTest: TestDatabase;
    let database: Database;
    let proxy: Awaited<ReturnType<typeof startRoundRobinProxy>>;
    let nodeA = '';
    let nodeB = '';
    const smtp: Array<Awaited<ReturnType<typeof startSmtpSink>>> = [];
    const nins: string[] = [];
    const twin = { clientId: superAppClientId, secret, redirectUri };
    let operatorKey = '';
    let partnerKey = '';

    beforeAll(async () => {
      pgTest = await createTestDatabase('postgres');
      database = pgTest.database;
      await migrate(database);
      await seedDemoCountry(database, { profile: getCountryProfile('SN'), people: 40, seed: 'multi-node' });
      const audit = createAuditLog(database);
      const adults = (
        await listPeople(
          { database, audit, country: getCountryProfile('SN') },
          { kind: 'system', id: 'test', roles: ['*'] },
          { limit: 40 },
        )
      ).people.filter((p) => !p.deathDate && p.birthDate < '2000-01-01');
      for (const p of adults.slice(0, 3)) {
        nins.push(p.nin);
        await createAccount(database, p.nin, password);
      }
      // The third citizen's application notices are e-mailed: jobs for the workers.
      await database.query(
        `INSERT INTO notify_contacts (nin, email, phone, language, updated_at) VALUES ($1, 'awa@example.sn', NULL, 'fr', now())`,
        [nins[2]],
      );
      const [bank] = await database.query<{ id: string }>(
        "SELECT id FROM organisations WHERE identifier = 'BTERANGA'",
      );
      operatorKey = (
        await createApiKey(database.db, {
          label: 'multi-node operator',
          actor: { kind: 'operator', id: 'multi-node', roles: ['bridge:admin'] },
        })
      ).key;
      partnerKey = (
        await createApiKey(database.db, {
          label: 'multi-node bank',
          actor: {
            kind: 'partner',
            id: 'multi-node-bank',
            roles: ['bridge:member', 'consent:request'],
            organisationId: bank!.id,
          },
        })
      ).key;

      proxy = await startRoundRobinProxy();
      // Each node's worker sends through its own SMTP server, so the test sees which one delivered what;
      // each message is held a while, so the workers' passes overlap.
      smtp.push(await startSmtpSink({ delayMs: 150 }), await startSmtpSink({ delayMs: 150 }));
      const common = {
        DATABASE_URL: pgTest.url ?? '',
        PUBLIC_URL: proxy.url,
        JOKKO_SEED_ON_START: 'false',
        // The proxy's X-Forwarded-For names the client: rate limits count clients, not the proxy.
        TRUST_PROXY: 'true',
      };
      const ports: number[] = [];
      // One after the other: two cold starts at once only slow each other down on a small CI machine.
      for (const sink of smtp) {
        const started = await startServerOnFreePort(
          (port) => ({ ...common, PORT: String(port), JOKKO_ROLE: 'all', SMTP_URL: sink.url }),
          ports,
        );
        children.push(started.child);
        ports.push(started.port);
      }
      const [a, b] = ports;
      nodeA = `http://127.0.0.1:${a}`;
      nodeB = `http://127.0.0.1:${b}`;
      proxy.setNodes([nodeA, nodeB]);
      // After the starts: a starting node registers the super-app's own (public) client again.
      await registerConfidentialTwin(database, twin);
      await publishReferenceServices(database, audit, {
        instance: 'SN',
        registriesUrl: `${proxy.url}/v1/registries`,
        kms: developmentKms(),
      });
    }, 240_000);

    afterAll(async () => {
      for (const c of children) c.kill('SIGKILL');
      proxy?.server.close();
      for (const s of smtp) await s.close();
      await pgTest?.dispose();
    });

    it('an OIDC sign-in whose steps alternate nodes completes, and its token works on every node', async () => {
      const from = proxy.served.length;
      const token = await accessTokenFor(proxy.url, twin, { nin: nins[0]!, password });
      const steps = proxy.served.slice(from).filter((s) => /^\/(oidc|interaction)\//.test(s.path));
      // The authorization request, the login form, the consent and the code exchange: on both nodes.
      expect(new Set(steps.filter((s) => s.path.startsWith('/interaction/')).map((s) => s.node))).toEqual(
        new Set([0, 1]),
      );
      for (const node of [nodeA, nodeB]) {
        const me = await callApi(node, 'GET', '/me', token);
        expect(me.status).toBe(200);
        expect(me.body.nin).toBe(nins[0]);
      }
    });

    it('an access token revoked on one node is refused at once on the other', async () => {
      const token = await accessTokenFor(proxy.url, twin, { nin: nins[0]!, password });
      expect((await callApi(nodeB, 'GET', '/me', token)).status).toBe(200);
      const revoked = await fetch(`${nodeA}/oidc/token/revocation`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${superAppClientId}:${secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      });
      expect(revoked.status).toBe(200);
      expect((await callApi(nodeB, 'GET', '/me', token)).status).toBe(401);
    });

    it('failed sign-ins spread over both nodes meet one limit of 30 per client address', async () => {
      const rp = await client.discovery(new URL(`${proxy.url}/oidc`), superAppClientId, secret, undefined, {
        execute: [client.allowInsecureRequests],
      });
      const browser = new LoginBrowser();
      let url = client.buildAuthorizationUrl(rp, {
        redirect_uri: redirectUri,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
        state: client.randomState(),
      }).href;
      let page = await browser.go(url);
      while (page.status === 302 || page.status === 303) {
        url = new URL(page.headers.get('location')!, url).href;
        page = await browser.go(url);
      }
      const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
      const attempt = () =>
        browser.go(`${url.split('?')[0]}/login`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-forwarded-for': '198.51.100.23',
          },
          body: new URLSearchParams({ nin: '0000', password: 'not-the-password', csrf }).toString(),
        });
      const from = proxy.served.length;
      const statuses: number[] = [];
      for (let i = 0; i < 32; i++) statuses.push((await attempt()).status);
      // Thirty refusals counted on whichever node took them, then both nodes say too many.
      expect(statuses).toEqual([...Array(30).fill(401), 429, 429]);
      const nodes = proxy.served.slice(from).map((s) => s.node);
      expect(nodes.slice(-2).sort()).toEqual([0, 1]);
      expect(nodes.filter((n) => n === 0).length).toBeGreaterThanOrEqual(15);
    });

    it('a consent revoked through one node is refused by the bridge on the other within a second', async () => {
      const bankKey = generateKeyPairSync('ed25519');
      const member = await callApi(nodeA, 'POST', '/bridge/members', partnerKey, {
        organisation: 'BTERANGA',
        subsystems: [
          {
            code: 'kyc',
            keys: [
              { keyid: 'kyc-1', alg: 'ed25519', publicKeyJwk: bankKey.publicKey.export({ format: 'jwk' }) },
            ],
          },
        ],
      });
      expect(member.status).toBe(201);
      await callApi(nodeB, 'POST', `/bridge/members/${member.body.id}/decision`, operatorKey, {
        decision: 'approve',
      });
      const services = (await callApi(nodeA, 'GET', '/bridge/services', operatorKey)).body.items as Array<{
        id: string;
        serviceId: string;
      }>;
      const right = await callApi(nodeB, 'POST', '/bridge/rights', operatorKey, {
        serviceId: services.find((s) => s.serviceId === people)?.id,
        clientSubsystemId: member.body.subsystems[0].id,
      });
      expect(right.status).toBe(201);
      const asked = await callApi(nodeA, 'POST', '/consents/requests', partnerKey, {
        partnerSubsystemId: member.body.subsystems[0].id,
        nin: nins[1],
        services: [people],
        purpose: 'account-opening',
        validDays: 30,
        frequency: { type: 'recurring', perDay: 1000 },
        dataLifeDays: 90,
      });
      expect(asked.status).toBe(201);
      const token = await accessTokenFor(proxy.url, twin, { nin: nins[1]!, password });
      const approved = await callApi(nodeB, 'POST', `/me/consent-requests/${asked.body.id}/decision`, token, {
        decision: 'approve',
      });
      expect(approved.status).toBe(200);
      const consentId = approved.body.consent.id as string;

      // The bank signs for the public address; the test sends each call to node B itself.
      const bank = createBridgeClient({
        bridgeUrl: proxy.url,
        client: 'SN/COM/BTERANGA/kyc',
        keyid: 'kyc-1',
        privateKey: bankKey.privateKey,
        alg: 'ed25519',
      });
      const viaB = async () => {
        const signed = await bank.sign({
          service: people,
          path: `/people/${nins[1]}`,
          subject: nins[1],
          consent: consentId,
        });
        const res = await fetch(`${nodeB}${signed.path}`, { headers: signed.headers });
        return { status: res.status, body: (await res.json()) as { type?: string } };
      };
      // Node B learns the new member and right from the catalogue within a second or so.
      const ready = Date.now();
      let answer = await viaB();
      while (answer.status !== 200 && Date.now() - ready < 5000) {
        await new Promise((r) => setTimeout(r, 100));
        answer = await viaB();
      }
      expect(answer.status).toBe(200);

      const revoked = await callApi(nodeA, 'POST', `/me/consents/${consentId}/status`, token, {
        action: 'revoke',
      });
      expect(revoked.body.status).toBe('REVOKED');
      const started = Date.now();
      answer = await viaB();
      while (answer.status === 200 && Date.now() - started < 3000) {
        await new Promise((r) => setTimeout(r, 20));
        answer = await viaB();
      }
      // Node B holds consents in a view refreshed every 250 ms (consent-view.ts): within a second.
      expect(Date.now() - started).toBeLessThan(1000);
      expect(answer.body.type).toBe(problemType('consent-inactive'));
    }, 60_000);

    it('notices produced through both nodes are delivered exactly once by two competing workers', async () => {
      const token = await accessTokenFor(proxy.url, twin, { nin: nins[2]!, password });
      const from = proxy.served.length;
      const submitOne = async (i: number) => {
        const started = await callApi(proxy.url, 'POST', '/me/applications', token, {
          procedure: criminal,
          language: 'fr',
        });
        expect(started.status, `${JSON.stringify(started.body)}\n${children.map(outputOf).join('\n')}`).toBe(
          201,
        );
        const id = started.body.id as string;
        expect(
          (
            await callApi(proxy.url, 'PATCH', `/me/applications/${id}`, token, {
              data: { purpose: 'employment' },
            })
          ).status,
        ).toBe(200);
        const submitted = await callApi(
          proxy.url,
          'POST',
          `/me/applications/${id}/submit`,
          token,
          { fee: { amount: 200, currency: 'XOF' } },
          `multi-node-${i}`,
        );
        expect(submitted.status).toBe(200);
      };
      for (let round = 0; round < 6; round++)
        await Promise.all([0, 1, 2, 3].map((i) => submitOne(round * 4 + i)));
      expect(
        new Set(
          proxy.served
            .slice(from)
            .filter((s) => s.path.includes('/submit'))
            .map((s) => s.node),
        ),
      ).toEqual(new Set([0, 1]));

      const emails = () =>
        database.query<{ id: string; sent_at: Date | null; attempts: number }>(
          "SELECT id, sent_at, attempts FROM notify_outbox WHERE channel = 'email' AND recipient = 'awa@example.sn'",
        );
      let rows = await emails();
      const until = Date.now() + 20_000;
      while (rows.some((r) => !r.sent_at) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200));
        rows = await emails();
      }
      // One notice per submission (a draft is no status change).
      expect(rows).toHaveLength(24);
      expect(rows.filter((r) => !r.sent_at)).toEqual([]);
      expect(rows.every((r) => r.attempts === 1)).toBe(true);
      const perWorker = smtp.map((s) => s.counts());
      for (const row of rows) {
        const id = `<${row.id}@jokko.localhost>`;
        expect(perWorker.map((c) => c.get(id) ?? 0).reduce((x, y) => x + y)).toBe(1);
      }
      expect(perWorker.map((c) => c.size).reduce((x, y) => x + y)).toBe(rows.length);
      // Both workers took part: SKIP LOCKED shared the queue rather than one worker draining it.
      expect(perWorker.every((c) => c.size > 0)).toBe(true);
    }, 90_000);

    it('the audit log appended through both nodes verifies as one chain', async () => {
      const [{ n }] = (await database.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log')) as [
        { n: number },
      ];
      expect(n).toBeGreaterThan(50);
      expect((await verifyAuditLog(database)).ok).toBe(true);
    });
  },
);
