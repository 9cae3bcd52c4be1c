import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../shared/countries/index.ts';
import { createAuditLog, verifyAuditLog } from './modules/audit/index.ts';
import { createBridgeClient, publishReferenceServices } from './modules/bridge/index.ts';
import {
  accessTokenFor,
  createAccount,
  registerConfidentialTwin,
  superAppClientId,
} from './modules/identity/index.ts';
import { listPeople } from './modules/registries/index.ts';
import { createTestDatabase, testEngines } from './platform/db/testing.ts';
import { developmentKms } from './platform/kms.ts';
import {
  bridgeTestClient,
  bridgeTestService,
  prepareBridgeDatabase,
  prepareBridgeExchange,
} from './testing/bridge-fixtures.ts';
import { exited, killHard, startServer, startServerOnFreePort, startSmtpSink } from './testing/processes.ts';
import { callApi } from './testing.ts';

const password = 'Teranga-Guichet-2026!';
const secret = 'a-test-secret-that-is-long-enough-0123456789';
const redirectUri = 'https://app.jokko.example/cb';
const criminal = 'sn-criminal-record-extract';

/**
 * What a citizen, a partner or the worker was told succeeded must survive a SIGKILL of the
 * server. Runs on PostgreSQL only: the crash is of the server process, and the database must
 * outlive it as a separate server (PGlite lives inside the process it would die with).
 */
describe.runIf(testEngines().includes('postgres'))('a server killed with SIGKILL under mixed load', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  // A generous time limit: on a busy CI machine the two cold starts of the server take most of it.
  it('keeps every acknowledged sign-in, bridge exchange, submission and notice, and the audit chain verifies', async () => {
    const pgTest = await createTestDatabase('postgres');
    const database = pgTest.database;
    const keys = await prepareBridgeDatabase(database, { people: 40, seed: 'crash-restart' });
    const audit = createAuditLog(database);
    const adults = (
      await listPeople(
        { database, audit, country: getCountryProfile('SN') },
        { kind: 'system', id: 'test', roles: ['*'] },
        { limit: 40 },
      )
    ).people.filter((p) => !p.deathDate && p.birthDate < '2000-01-01');
    const citizens = adults.slice(0, 6).map((p) => p.nin);
    expect(citizens).toHaveLength(6);
    for (const nin of citizens) {
      await createAccount(database, nin, password);
      // Each notice about an application is e-mailed too: the notify outbox gets a job to deliver.
      await database.query(
        `INSERT INTO notify_contacts (nin, email, phone, language, updated_at) VALUES ($1, $2, NULL, 'fr', now())`,
        [nin, `citoyen-${nin}@example.sn`],
      );
    }

    // Held 100 ms each, so deliveries are in flight when the server dies.
    const smtp = await startSmtpSink({ delayMs: 100 });
    const backend = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"à jour"}'),
    );
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const env = (port: number) => ({
      DATABASE_URL: pgTest.url ?? '',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      JOKKO_ROLE: 'all',
      JOKKO_SEED_ON_START: 'false',
      SMTP_URL: smtp.url,
      // A long group-commit window: a gateway that answered before its log write committed would
      // lose the answers of the last 50 ms.
      BRIDGE_LOG_BATCH_MS: '50',
    });
    const first = await startServerOnFreePort(env);
    children.push(first.child);
    const base = `http://127.0.0.1:${first.port}`;
    const { bankKey } = await prepareBridgeExchange(
      base,
      keys,
      `http://127.0.0.1:${(backend.address() as AddressInfo).port}/api`,
    );
    // The application's pre-fill reads the population register through the bridge of this server.
    await publishReferenceServices(database, audit, {
      instance: 'SN',
      registriesUrl: `${base}/v1/registries`,
      kms: developmentKms(),
    });
    // After the start: a starting server registers the super-app's own (public) client again.
    await registerConfidentialTwin(database, { clientId: superAppClientId, secret, redirectUri });
    const twin = { clientId: superAppClientId, secret, redirectUri };
    const tokens = new Map<string, string>();
    for (const nin of citizens.slice(0, 3))
      tokens.set(nin, await accessTokenFor(base, twin, { nin, password }));

    const api = (method: string, path: string, token: string, body?: unknown, key?: string) =>
      callApi(base, method, path, token, body, key);
    const submit = (token: string, id: string) =>
      api(
        'POST',
        `/me/applications/${id}/submit`,
        token,
        { fee: { amount: 200, currency: 'XOF' } },
        `crash-${id}`,
      );

    const bridge = createBridgeClient({
      bridgeUrl: base,
      client: bridgeTestClient,
      keyid: 'bank-1',
      privateKey: bankKey.privateKey,
      alg: 'ed25519',
    });
    const acknowledged = {
      exchanges: [] as string[],
      signIns: [] as Array<{ nin: string; token: string }>,
      submissions: [] as Array<{ id: string; token: string }>,
    };
    let failure: unknown;
    // Set when the test kills the server: sockets may close before the process's exit is seen.
    let dead = false;
    const server = first.child;
    const kill = () => {
      dead = true;
      server.kill('SIGKILL');
    };
    const died = exited(server);
    void died.then(() => {
      dead = true;
    });
    const readyToKill = () =>
      acknowledged.exchanges.length >= 60 &&
      acknowledged.signIns.length >= 2 &&
      acknowledged.submissions.length >= 4;

    let n = 0;
    const exchanges = async () => {
      while (!dead) {
        const xroadId = `crash-${n++}`;
        try {
          const answer = await bridge.call({ service: bridgeTestService, path: '/attestations/1', xroadId });
          if (answer.status === 200) acknowledged.exchanges.push(xroadId);
        } catch {
          // The server is gone: requests in flight fail, which is the point.
        }
      }
    };
    const signIns = async (offset: number) => {
      for (let i = offset; !dead; i++) {
        const nin = citizens[3 + (i % 3)]!;
        try {
          acknowledged.signIns.push({ nin, token: await accessTokenFor(base, twin, { nin, password }) });
        } catch (err) {
          if (!dead) failure ??= err;
        }
      }
    };
    const applications = async (nin: string) => {
      const token = tokens.get(nin)!;
      while (!dead) {
        try {
          const started = await api('POST', '/me/applications', token, {
            procedure: criminal,
            language: 'fr',
          });
          expect(started.status, JSON.stringify(started.body)).toBe(201);
          const id = started.body.id as string;
          const saved = await api('PATCH', `/me/applications/${id}`, token, {
            data: { purpose: 'employment' },
          });
          expect(saved.status).toBe(200);
          const sending = submit(token, id);
          if (readyToKill() && !dead) {
            // The kill lands while this submission is on its way: its outcome is unknown to the citizen.
            await new Promise((r) => setTimeout(r, 5));
            kill();
          }
          const submitted = await sending;
          expect(submitted.status).toBe(200);
          acknowledged.submissions.push({ id, token });
        } catch (err) {
          // Once the server is gone requests fail, which is the point; before that, nothing may.
          if (!dead) {
            failure ??= err;
            kill();
          }
        }
      }
    };
    const load = Promise.all([
      ...Array.from({ length: 6 }, exchanges),
      signIns(0),
      signIns(1),
      ...citizens.slice(0, 3).map(applications),
    ]);
    const deadline = setTimeout(kill, 40_000);
    await died;
    clearTimeout(deadline);
    await load;
    if (failure) throw failure;
    expect(readyToKill()).toBe(true);

    // The same database, the same address: the restarted server is the one citizens come back to.
    const restarted = await startServer(env(first.port));
    children.push(restarted);

    // Sign-ins: each token the relying party received still opens the citizen's account.
    for (const { nin, token } of acknowledged.signIns) {
      const me = await api('GET', '/me', token);
      expect(me.status).toBe(200);
      expect(me.body.nin).toBe(nin);
    }

    // Bridge exchanges: each answer a client saw is in the message log.
    const logged = new Set(
      (
        await database.query<{ xroad_id: string }>(
          "SELECT xroad_id FROM bridge_message_log WHERE xroad_id LIKE 'crash-%'",
        )
      ).map((r) => r.xroad_id),
    );
    expect(acknowledged.exchanges.filter((id) => !logged.has(id))).toEqual([]);

    // Submissions: acknowledged ones are submitted with one submission in their timeline. The ones
    // the kill caught (a saved draft, or submitted but unanswered: the fetch error does not say
    // which), retried with the same Idempotency-Key, end the same way, never submitted twice.
    const ackedIds = new Set(acknowledged.submissions.map((s) => s.id));
    const inFlight = (
      await database.query<{ id: string; nin: string }>(
        `SELECT id, nin FROM eservices_applications WHERE procedure_id = $1 AND status = 'draft'
            AND data->>'purpose' = 'employment' AND NOT (id = ANY($2::uuid[]))`,
        [criminal, [...ackedIds]],
      )
    ).map((r) => ({ id: r.id, token: tokens.get(r.nin)! }));
    const alsoSubmitted = await database.query<{ id: string; nin: string }>(
      `SELECT id, nin FROM eservices_applications WHERE procedure_id = $1 AND status = 'submitted'
          AND NOT (id = ANY($2::uuid[]))`,
      [criminal, [...ackedIds]],
    );
    const retried = [...inFlight, ...alsoSubmitted.map((r) => ({ id: r.id, token: tokens.get(r.nin)! }))];
    // The kill came while a submission was on its way (committed or not).
    expect(retried.length).toBeGreaterThanOrEqual(1);
    for (const s of [...retried, ...acknowledged.submissions.slice(0, 2)]) {
      const again = await submit(s.token, s.id);
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      expect(again.body.status).toBe('submitted');
    }
    const everySubmitted = [...acknowledged.submissions, ...retried];
    for (const s of everySubmitted) {
      const application = await api('GET', `/me/applications/${s.id}`, s.token);
      expect(application.status).toBe(200);
      expect(application.body.status).toBe('submitted');
      const timeline = application.body.timeline as Array<{ to: string }>;
      expect(timeline.filter((e) => e.to === 'submitted')).toHaveLength(1);
    }

    expect((await verifyAuditLog(database)).ok).toBe(true);

    // The notify outbox: a delivery the dead worker held stays leased for five minutes; the test
    // ends the lease rather than wait for it.
    await database.query(
      `UPDATE notify_outbox SET next_attempt_at = now() WHERE sent_at IS NULL AND failed_at IS NULL AND attempts > 0`,
    );
    const emails = async () =>
      database.query<{
        id: string;
        application_id: string;
        status: string;
        sent_at: Date | null;
        failed_at: Date | null;
        attempts: number;
      }>(
        `SELECT id, payload->>'applicationId' AS application_id, payload->>'status' AS status, sent_at, failed_at, attempts
           FROM notify_outbox WHERE channel = 'email' AND template = 'application-status'`,
      );
    const until = Date.now() + 20_000;
    let rows = await emails();
    while (rows.some((r) => !r.sent_at && !r.failed_at) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      rows = await emails();
    }
    expect(rows.filter((r) => !r.sent_at)).toEqual([]);
    const received = smtp.counts();
    for (const s of everySubmitted) {
      const jobs = rows.filter((r) => r.application_id === s.id && r.status === 'submitted');
      expect(jobs).toHaveLength(1);
      expect(received.get(`<${jobs[0]!.id}@jokko.localhost>`) ?? 0).toBeGreaterThanOrEqual(1);
    }
    // Exactly once for every job not caught mid-send by the kill. A job claimed before the kill and
    // again after it (attempts > 1) may arrive twice with the same Message-ID: delivery is at least
    // once by design (notify/delivery.ts), and the id lets the recipient recognise the duplicate.
    for (const row of rows) {
      const count = received.get(`<${row.id}@jokko.localhost>`) ?? 0;
      if (row.attempts === 1) expect(count, row.id).toBe(1);
      else expect(count, row.id).toBeLessThanOrEqual(2);
    }
    const known = new Set(rows.map((r) => `<${r.id}@jokko.localhost>`));
    expect([...received.keys()].filter((id) => !known.has(id))).toEqual([]);

    await killHard(restarted);
    backend.close();
    await smtp.close();
    await pgTest.dispose();
  }, 240_000);
});
