import { request } from 'undici';
import { createAuditLog } from '../src/server/modules/audit/index.ts';
import { publishReferenceServices } from '../src/server/modules/bridge/index.ts';
import {
  accessTokenFor,
  confirmTotp,
  createAccount,
  officeClientId,
  registerConfidentialTwin,
  setAgentRoles,
  startTotpEnrolment,
  superAppClientId,
  totpCode,
} from '../src/server/modules/identity/index.ts';
import { listPeople, seedDemoCountry } from '../src/server/modules/registries/index.ts';
import { openDatabase } from '../src/server/platform/db/database.ts';
import { migrate } from '../src/server/platform/db/migrate.ts';
import { developmentKms } from '../src/server/platform/kms.ts';
import { freePort } from '../src/server/testing.ts';
import { getCountryProfile } from '../src/shared/countries/index.ts';
import { createDatabase, dropDatabase } from './databases.ts';
import { type Benchmark, median, percentile } from './harness.ts';
import { startJokko } from './server.ts';

/**
 * E-services on PostgreSQL, through the real server in its own process: applications started per
 * second (each pre-filled by two bridge calls to the population register), applications submitted
 * per second (full form validation, fee check, transition, notification, audit), and the
 * back-office queue's latency over HTTP once the table holds 1,000,000 applications.
 */
const password = 'Bench-password-for-jokko-2026';
const secret = 'bench-secret-0123456789-abcdefghijklmnop';
const procedure = 'sn-criminal-record-extract';
async function timed(concurrency: number, seconds: number, fn: (worker: number) => Promise<void>) {
  let done = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < until) {
        await fn(worker);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

export const benchmark: Benchmark = {
  name: 'eservices',
  description:
    'applications started and submitted per second; back-office queue latency at 1,000,000 applications (PostgreSQL)',
  async run(ctx) {
    if (!ctx.postgresUrl) return { rows: [], notes: ['PostgreSQL not reachable: skipped.'] };
    const seconds = ctx.quick ? 2 : 6;
    const reps = ctx.quick ? 1 : 3;
    const volume = ctx.quick ? 50_000 : 1_000_000;
    const dbName = 'jokko_bench_eservices';
    const url = await createDatabase(ctx.postgresUrl, dbName, { dropFirst: true });
    const db = await openDatabase({ url });
    await migrate(db);
    const profile = getCountryProfile('SN');
    const audit = createAuditLog(db);
    await seedDemoCountry(db, { profile, people: 300, seed: 'eservices-bench' });
    const adults = (
      await listPeople(
        { database: db, audit, country: profile },
        { kind: 'system', id: 'bench', roles: ['*'] },
        { limit: 300 },
      )
    ).people.filter((p) => !p.deathDate && p.birthDate < '2000-01-01');
    const citizens = adults.slice(0, 8);
    for (const p of citizens) await createAccount(db, p.nin, password);
    const agentPerson = adults[10]!;
    const agentAccount = await createAccount(db, agentPerson.nin, password);
    await setAgentRoles(
      { database: db, audit, country: profile },
      { kind: 'system', id: 'bench', roles: ['identity:admin'] },
      agentPerson.nin,
      {
        organisation: 'MJ-CJ',
        roles: ['instructor', 'decider'],
      },
    );
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const factorDeps = { database: db, audit, publicUrl: base, kms: developmentKms() };
    const totp = await startTotpEnrolment(factorDeps, agentAccount.id, agentPerson.nin);
    await confirmTotp(factorDeps, agentAccount.id, totp.factorId, totpCode(totp.secret, -1));
    await publishReferenceServices(db, audit, {
      instance: 'SN',
      registriesUrl: `${base}/v1/registries`,
      kms: developmentKms(),
    });
    await db.close();

    const { child } = await startJokko(url, { PORT: String(port), PUBLIC_URL: base, LOG_LEVEL: 'error' });
    // The server registers its own first-party clients at start; the load generator replaces them
    // with confidential twins it can drive without a browser.
    const clients = await openDatabase({ url });
    await registerConfidentialTwin(clients, {
      clientId: superAppClientId,
      secret,
      redirectUri: 'https://app.example/cb',
    });
    await registerConfidentialTwin(clients, {
      clientId: officeClientId,
      secret,
      redirectUri: 'https://office.example/cb',
      defaultAcr: 'substantial',
    });
    await clients.close();
    const rows: Array<Record<string, string | number>> = [];
    const samples: Record<string, number[]> = { started: [], submitted: [] };
    const latency: Record<string, number[]> = {};
    try {
      const signIn = (clientId: string, redirectUri: string, nin: string, totpSecret?: string) =>
        accessTokenFor(
          base,
          { clientId, secret, redirectUri },
          {
            nin,
            password,
            ...(totpSecret ? { totp: () => totpCode(totpSecret) } : {}),
          },
        );
      const tokens: string[] = [];
      for (const p of citizens) tokens.push(await signIn(superAppClientId, 'https://app.example/cb', p.nin));
      const agent = await signIn(officeClientId, 'https://office.example/cb', agentPerson.nin, totp.secret);
      const call = async (
        method: string,
        path: string,
        token: string,
        body?: unknown,
        headers: Record<string, string> = {},
      ) => {
        const res = await request(`${base}/v1${path}`, {
          method: method as 'GET',
          headers: {
            authorization: `Bearer ${token}`,
            ...(body ? { 'content-type': 'application/json' } : {}),
            ...headers,
          },
          body: body ? JSON.stringify(body) : null,
        });
        const text = await res.body.text();
        if (res.statusCode >= 300)
          throw new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 200)}`);
        return JSON.parse(text) as { id: string };
      };
      const drafts: string[][] = citizens.map(() => []);
      const start = async (w: number) => {
        const token = tokens[w % tokens.length]!;
        const draft = await call('POST', '/me/applications', token, { procedure, language: 'fr' });
        await call('PATCH', `/me/applications/${draft.id}`, token, { data: { purpose: 'employment' } });
        drafts[w % tokens.length]!.push(draft.id);
      };
      const submit = async (id: string, token: string) => {
        await call(
          'POST',
          `/me/applications/${id}/submit`,
          token,
          { fee: { amount: 200, currency: 'XOF' } },
          {
            'idempotency-key': `bench-${id}`,
          },
        );
      };
      await start(0);
      for (let r = 0; r < reps; r++) {
        samples.started!.push(await timed(8, seconds, start));
        // Every draft made above is submitted, 8 at a time; the rate is drafts / elapsed time.
        const queue = drafts.flatMap((ids, i) => ids.splice(0).map((id) => [id, tokens[i]!] as const));
        const total = queue.length;
        const t = performance.now();
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            for (let next = queue.pop(); next; next = queue.pop()) await submit(next[0], next[1]);
          }),
        );
        samples.submitted!.push(total / ((performance.now() - t) / 1000));
      }
      rows.push({
        measure: 'applications started/s (draft + autosave; 2 bridge calls pre-fill 7 fields)',
        value: Math.round(median(samples.started!)),
      });
      rows.push({
        measure: 'applications submitted/s (validation, fee, transition, outbox, audit)',
        value: Math.round(median(samples.submitted!)),
      });

      // A million applications across the eight procedures' owners, mostly finished, as a year of a
      // mid-sized country's demand would leave them.
      ctx.log(`inserting ${volume.toLocaleString('en')} applications...`);
      const fill = await openDatabase({ url });
      const t0 = performance.now();
      await fill.query(
        `INSERT INTO eservices_applications (id, reference, procedure_id, procedure_version, owner, nin, status, step, data, prefilled,
                                             language, fee_amount, fee_currency, created_at, updated_at, submitted_at, due_at, target_at, decided_at)
         SELECT gen_random_uuid(), 'BENCH-' || g, p.id, p.version, p.owner, lpad((1000000000000 + g % 50000)::text, 13, '0'),
                s.status, 0, '{"purpose":"employment"}'::jsonb, '{}'::jsonb, 'fr', 0, 'XOF',
                now() - (g % 365) * interval '1 day', now(), now() - (g % 365) * interval '1 day',
                CASE WHEN s.status IN ('submitted', 'in_review') THEN now() + ((g % 15) - 5) * interval '1 day' END,
                now() - (g % 365) * interval '1 day' + interval '10 days',
                CASE WHEN s.status IN ('completed', 'rejected') THEN now() - (g % 365) * interval '1 day' + (g % 20) * interval '1 day' END
           FROM generate_series(1, $1::int) g
           JOIN LATERAL (SELECT id, version, owner FROM eservices_procedures ORDER BY id OFFSET (g % 8) LIMIT 1) p ON true
           JOIN LATERAL (SELECT (ARRAY['completed','completed','completed','completed','completed','completed','completed','rejected','submitted','in_review','info_requested','withdrawn'])[1 + (g / 8) % 12] AS status) s ON true`,
        [volume],
      );
      await fill.query('ANALYZE eservices_applications');
      const [{ count } = { count: 0 }] = await fill.query<{ count: number }>(
        "SELECT count(*)::int AS count FROM eservices_applications WHERE owner = 'MJ-CJ' AND status IN ('submitted','in_review','info_requested')",
      );
      await fill.close();
      ctx.log(`inserted in ${Math.round((performance.now() - t0) / 1000)} s; MJ-CJ open queue: ${count}`);
      const queries: Record<string, string> = {
        'queue, first page (50, nearest deadline)': '/office/applications?limit=50',
        'queue, unassigned only': '/office/applications?limit=50&assigned=none',
        'queue, overdue only': '/office/applications?limit=50&overdue=true',
      };
      const first = (await call('GET', '/office/applications?limit=50', agent)) as unknown as {
        next: string;
        items: Array<{ reference: string }>;
      };
      queries['queue, by reference'] =
        `/office/applications?reference=${first.items[7]?.reference ?? 'BENCH-1'}`;
      queries['queue, next page (keyset cursor)'] = `/office/applications?limit=50&after=${first.next}`;
      const n = ctx.quick ? 20 : 200;
      for (const [name, path] of Object.entries(queries)) {
        await call('GET', path, agent);
        const times: number[] = [];
        for (let i = 0; i < n; i++) {
          const t = performance.now();
          await call('GET', path, agent);
          times.push(performance.now() - t);
        }
        latency[name] = times;
        rows.push({
          measure: `${name}, ms over HTTP (median / p95), ${volume.toLocaleString('en')} applications`,
          value: `${median(times).toFixed(1)} / ${percentile(times, 95).toFixed(1)}`,
        });
      }
      rows.push({ measure: 'open applications in the MJ-CJ queue', value: count });
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      await dropDatabase(ctx.postgresUrl, dbName);
    }
    return {
      rows,
      data: { seconds, repetitions: reps, volume, samples, latency },
      notes: [
        'The load generator shares the 2 cores with the server and PostgreSQL.',
        'Queue latency includes the agent check (roles re-read at each request), JSON serialisation and HTTP on loopback.',
      ],
    };
  },
};
