import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createSigner, httpbis } from 'http-message-signatures';
import { Pool } from 'undici';
import { createAuditLog } from '../src/server/modules/audit/index.ts';
import { decideRequest, loadConsentKey } from '../src/server/modules/consent/index.ts';
import { createApiKey } from '../src/server/modules/identity/index.ts';
import { seedDemoCountry } from '../src/server/modules/registries/index.ts';
import { openDatabase } from '../src/server/platform/db/database.ts';
import { migrate } from '../src/server/platform/db/migrate.ts';
import { developmentKms } from '../src/server/platform/kms.ts';
import { freePort } from '../src/server/testing.ts';
import { getCountryProfile } from '../src/shared/countries/index.ts';
import { createDatabase, dropDatabase } from './databases.ts';
import { type Benchmark, median, percentile } from './harness.ts';
import { startJokko } from './server.ts';

/**
 * The same service called directly and through the bridge (signature check, replay nonce, access
 * right, forwarding, signed answer and the message-log write all in the path), at a fixed
 * concurrency, alternating runs. The bridge server, the backend and this load generator each
 * run in their own process on the same 2 cores.
 */
const concurrency = 32;
const service = 'SN/GOV/DGID/impots/attestation-fiscale/v1';

function startBackend(): Promise<{ child: ChildProcess; url: string }> {
  const file = fileURLToPath(new URL('./bridge-backend.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\S+)/.exec(String(d));
      if (m) resolve({ child, url: m[1]! });
    });
    child.on('close', (code) => reject(new Error(`backend exited ${code}`)));
  });
}

async function api(base: string, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as { id: string; subsystems: Array<{ id: string }> };
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Pre-signs requests (each with its own nonce) so that signing is not measured in the load generator. */
async function presign(
  base: string,
  path: string,
  key: KeyObject,
  count: number,
  extra?: (i: number) => Record<string, string>,
  client: { id: string; keyid: string } = { id: 'SN/COM/BTERANGA/kyc', keyid: 'bench-1' },
) {
  const signer = createSigner(key, 'ed25519', client.keyid);
  const out: Array<Record<string, string>> = [];
  for (let i = 0; i < count; i++) {
    const more = extra?.(i) ?? {};
    const signed = await httpbis.signMessage(
      {
        key: signer,
        fields: ['@method', '@target-uri', 'x-road-client', ...Object.keys(more)],
        params: ['created', 'nonce', 'keyid', 'alg'],
        paramValues: { nonce: randomBytes(18).toString('base64url') },
      },
      { method: 'GET', url: `${base}${path}`, headers: { 'x-road-client': client.id, ...more } },
    );
    out.push(signed.headers as Record<string, string>);
  }
  return out;
}

/** CPU seconds a process has used so far (user + system), from /proc on Linux. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** `concurrency` workers, each sending its next request when the previous answer has been read. */
async function load(origin: string, path: string, seconds: number, headers: () => Record<string, string>) {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  const latencies: number[] = [];
  let failures = 0;
  let firstFailure = '';
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      const res = await pool.request({ path, method: 'GET', headers: headers() });
      const body = await res.body.text();
      if (res.statusCode !== 200) {
        if (failures++ === 0) firstFailure = `${res.statusCode} ${body.slice(0, 300)}`;
      }
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  if (failures) throw new Error(`${failures} answers were not 200, the first: ${firstFailure}`);
  return {
    count: latencies.length,
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

export const benchmark: Benchmark = {
  name: 'bridge',
  description:
    'Requests/s and p50/p99 of a JSON service and a 1 MiB answer, direct vs through the bridge, and with consent checks (PostgreSQL)',
  async run(ctx) {
    if (!ctx.postgresUrl) return { rows: [], notes: ['PostgreSQL not reachable: skipped.'] };
    const seconds = ctx.quick ? 2 : 8;
    const reps = ctx.quick ? 1 : 5;
    const name = 'jokko_bench_bridge';
    const url = await createDatabase(ctx.postgresUrl, name, { dropFirst: true });
    const db = await openDatabase({ url });
    await migrate(db);
    await seedDemoCountry(db, { profile: getCountryProfile('SN'), people: 100, seed: 'bench' });
    const nins = (await db.query<{ nin: string }>('SELECT nin FROM people ORDER BY nin LIMIT 100')).map(
      (r) => r.nin,
    );
    const orgs = await db.query<{ id: string; identifier: string }>(
      "SELECT id, identifier FROM organisations WHERE identifier IN ('DGID', 'BTERANGA')",
    );
    const keyFor = async (roles: string[], organisationId?: string) =>
      (
        await createApiKey(db.db, {
          label: 'bench',
          actor: {
            kind: organisationId ? 'partner' : 'operator',
            id: 'bench',
            roles,
            ...(organisationId ? { organisationId } : {}),
          },
        })
      ).key;
    const operator = await keyFor(['bridge:admin']);
    const dgid = await keyFor(['bridge:member'], orgs.find((o) => o.identifier === 'DGID')!.id);
    const bank = await keyFor(
      ['bridge:member', 'consent:request'],
      orgs.find((o) => o.identifier === 'BTERANGA')!.id,
    );

    const backend = await startBackend();
    // Signatures cover the target URI, so the server must know the URL it is reached at.
    const port = await freePort();
    const { child, base } = await startJokko(url, {
      LOG_LEVEL: 'warn',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
    });
    try {
      const bankKey = generateKeyPairSync('ed25519');
      const dgidKey = generateKeyPairSync('ed25519');
      const join = async (key: string, org: string, code: string, keyid: string, pub: KeyObject) => {
        const member = await api(base, key, 'POST', '/bridge/members', {
          organisation: org,
          subsystems: [
            { code, keys: [{ keyid, alg: 'ed25519', publicKeyJwk: pub.export({ format: 'jwk' }) }] },
          ],
        });
        await api(base, operator, 'POST', `/bridge/members/${member.id}/decision`, { decision: 'approve' });
        return member.subsystems[0]?.id ?? '';
      };
      const bankSubsystem = await join(bank, 'BTERANGA', 'kyc', 'bench-1', bankKey.publicKey);
      const dgidSubsystem = await join(dgid, 'DGID', 'impots', 'dgid-1', dgidKey.publicKey);
      const svc = await api(base, dgid, 'POST', '/bridge/services', {
        subsystemId: dgidSubsystem,
        code: 'attestation-fiscale',
        version: 'v1',
        title: 'Attestation fiscale',
        openapi: {
          openapi: '3.0.3',
          info: { title: 'x', version: '1' },
          paths: { '/small': { get: {} }, '/large': { get: {} } },
        },
        backendUrl: `${backend.url}/api`,
        personalData: false,
      });
      await api(base, dgid, 'POST', '/bridge/rights', {
        serviceId: svc.id,
        clientSubsystemId: bankSubsystem,
      });
      // The same answer as a personal-data service, read under one consent per citizen.
      const personal = await api(base, dgid, 'POST', '/bridge/services', {
        subsystemId: dgidSubsystem,
        code: 'situation-personnelle',
        version: 'v1',
        title: 'Situation fiscale personnelle',
        openapi: { openapi: '3.0.3', info: { title: 'x', version: '1' }, paths: { '/small': { get: {} } } },
        backendUrl: `${backend.url}/api`,
        personalData: true,
      });
      await api(base, dgid, 'POST', '/bridge/rights', {
        serviceId: personal.id,
        clientSubsystemId: bankSubsystem,
      });
      // An administration reads the same personal-data service under a declared legal basis: the
      // same call with the citizen named and logged for the data tracker, without consent checks.
      const auditKey = generateKeyPairSync('ed25519');
      const [dgidMember] = await db.query<{ id: string }>(
        "SELECT id FROM bridge_members WHERE member_code = 'DGID'",
      );
      const withAudit = await api(base, dgid, 'POST', `/bridge/members/${dgidMember?.id}/subsystems`, {
        code: 'controle',
        keys: [
          { keyid: 'controle-1', alg: 'ed25519', publicKeyJwk: auditKey.publicKey.export({ format: 'jwk' }) },
        ],
      });
      const controleSubsystem = (withAudit.subsystems as Array<{ id: string; code?: string }>).find(
        (s) => s.code === 'controle',
      )?.id;
      await api(base, dgid, 'POST', '/bridge/rights', {
        serviceId: personal.id,
        clientSubsystemId: controleSubsystem,
        legalBasis: 'Code général des impôts, contrôle fiscal (benchmark)',
      });
      const consentKey = await loadConsentKey(db, developmentKms(), new Date());
      const consentDeps = {
        database: db,
        audit: createAuditLog(db),
        country: getCountryProfile('SN'),
        clock: () => new Date(),
        key: () => consentKey,
      };
      const consents: Array<{ nin: string; id: string }> = [];
      for (const nin of nins) {
        const asked = await api(base, bank, 'POST', '/consents/requests', {
          partnerSubsystemId: bankSubsystem,
          nin,
          services: ['SN/GOV/DGID/impots/situation-personnelle/v1'],
          purpose: 'credit-assessment',
          validDays: 30,
          frequency: { type: 'recurring', perDay: 1000 },
          dataLifeDays: 30,
        });
        const decided = await decideRequest(
          consentDeps,
          { kind: 'citizen', id: `bench-${nin}`, nin, roles: [], clientId: 'jokko-app' },
          asked.id,
          'approve',
        );
        consents.push({ nin, id: decided.consent?.id ?? '' });
      }

      const rows: Array<Record<string, string | number>> = [];
      const samples: Record<string, unknown[]> = {};
      const serverCpuMs: Record<string, number[]> = { small: [], large: [] };
      const pathCpuMs: Record<string, Record<string, number[]>> = {};
      for (const size of ['small', 'large'] as const) {
        const bridgePath = `/r1/${service}/${size}`;
        // Enough signatures for the fastest plausible run; signed before the clock starts.
        const needed = (size === 'small' ? 6000 : 800) * seconds * (reps + 1);
        ctx.log(`pre-signing ${needed} requests for ${size}...`);
        const signed = await presign(base, bridgePath, bankKey.privateKey, needed);
        const runs = {
          direct: [] as Array<Awaited<ReturnType<typeof load>>>,
          bridge: [] as Array<Awaited<ReturnType<typeof load>>>,
          consent: [] as Array<Awaited<ReturnType<typeof load>>>,
          legal: [] as Array<Awaited<ReturnType<typeof load>>>,
        };
        const consentPath = '/r1/SN/GOV/DGID/impots/situation-personnelle/v1/small';
        const consentSigned =
          size === 'small'
            ? await presign(base, consentPath, bankKey.privateKey, needed, (i) => {
                const c = consents[i % consents.length];
                return { 'x-jokko-subject': c?.nin ?? '', 'x-jokko-consent': c?.id ?? '' };
              })
            : [];
        const legalSigned =
          size === 'small'
            ? await presign(
                base,
                consentPath,
                auditKey.privateKey,
                needed,
                (i) => ({ 'x-jokko-subject': consents[i % consents.length]?.nin ?? '' }),
                { id: 'SN/GOV/DGID/controle', keyid: 'controle-1' },
              )
            : [];
        await load(backend.url, `/api/${size}`, 1, () => ({}));
        let warm = 0;
        await load(base, bridgePath, 1, () => signed[warm++]!);
        signed.splice(0, warm);
        const cpu = { bridge: [] as number[], legal: [] as number[], consent: [] as number[] };
        // The Jokko process's CPU per request, beside the throughput: steadier on a noisy machine.
        const measured = async (
          kind: 'bridge' | 'legal' | 'consent',
          path: string,
          pool: Array<Record<string, string>>,
        ) => {
          let i = 0;
          const before = cpuSeconds(child.pid);
          const run = await load(base, path, seconds, () => {
            const h = pool[i++];
            if (!h) throw new Error('ran out of pre-signed requests');
            return h;
          });
          pool.splice(0, i);
          cpu[kind].push(((cpuSeconds(child.pid) - before) * 1000) / run.count);
          runs[kind].push(run);
        };
        const paths: Array<() => Promise<void>> = [
          () => measured('bridge', bridgePath, signed),
          ...(size === 'small'
            ? [
                () => measured('legal', consentPath, legalSigned),
                () => measured('consent', consentPath, consentSigned),
              ]
            : []),
        ];
        for (let r = 0; r < reps; r++) {
          runs.direct.push(await load(backend.url, `/api/${size}`, seconds, () => ({})));
          // A different order each repetition, so that drift in the machine's speed favours none.
          for (let k = 0; k < paths.length; k++) await paths[(k + r) % paths.length]!();
        }
        serverCpuMs[size] = cpu.bridge;
        pathCpuMs[size] = cpu;
        samples[size] = [runs];
        const summary = (k: 'direct' | 'bridge' | 'consent' | 'legal') => ({
          rps: median(runs[k].map((x) => x.rps)),
          p50: median(runs[k].map((x) => x.p50)),
          p99: median(runs[k].map((x) => x.p99)),
        });
        const d = summary('direct');
        const b = summary('bridge');
        const label = size === 'small' ? 'JSON, 110 B' : '1 MiB';
        rows.push({
          answer: label,
          path: 'direct',
          'requests/s': Math.round(d.rps),
          'p50 ms': +d.p50.toFixed(2),
          'p99 ms': +d.p99.toFixed(2),
          'bridge/direct': '',
          'server CPU ms/request': '',
        });
        rows.push({
          answer: label,
          path: 'bridge',
          'requests/s': Math.round(b.rps),
          'p50 ms': +b.p50.toFixed(2),
          'p99 ms': +b.p99.toFixed(2),
          'bridge/direct': `${((b.rps / d.rps) * 100).toFixed(0)}% of throughput, +${(b.p99 - d.p99).toFixed(2)} ms p99`,
          'server CPU ms/request': +median(serverCpuMs[size] ?? []).toFixed(3),
        });
        if (runs.legal.length) {
          const l = summary('legal');
          rows.push({
            answer: label,
            path: 'bridge, personal data, legal basis',
            'requests/s': Math.round(l.rps),
            'p50 ms': +l.p50.toFixed(2),
            'p99 ms': +l.p99.toFixed(2),
            'bridge/direct': `${((1 - l.rps / b.rps) * 100).toFixed(0)}% below the bridge: the citizen named and indexed for the data tracker`,
            'server CPU ms/request': +median(cpu.legal).toFixed(3),
          });
        }
        if (runs.consent.length) {
          const c = summary('consent');
          const l = summary('legal');
          rows.push({
            answer: label,
            path: 'bridge + consent',
            'requests/s': Math.round(c.rps),
            'p50 ms': +c.p50.toFixed(2),
            'p99 ms': +c.p99.toFixed(2),
            'bridge/direct': `${((1 - c.rps / b.rps) * 100).toFixed(0)}% below the bridge; vs legal basis: ${((1 - c.rps / l.rps) * 100).toFixed(0)}% of throughput, ${(((median(cpu.consent) - median(cpu.legal)) / median(cpu.legal)) * 100).toFixed(0)}% more server CPU per call`,
            'server CPU ms/request': +median(cpu.consent).toFixed(3),
          });
        }
      }
      return {
        rows,
        data: { concurrency, secondsPerRun: seconds, repetitions: reps, samples, serverCpuMs, pathCpuMs },
        notes: [
          `${concurrency} concurrent requests, ${reps} alternating runs of ${seconds} s each, medians reported.`,
          'Bridge path: RFC 9421 Ed25519 verification, nonce claimed in PostgreSQL (batched), access right, forwarding over keep-alive, Ed25519-signed answer, message-log record committed (batched) before the answer.',
          'Three processes share the 2 cores: the Jokko server, the backend and this load generator; the direct runs do not pay for the Jokko process, so the ratio is conservative for the bridge.',
        ],
      };
    } finally {
      child.kill('SIGTERM');
      backend.child.kill('SIGTERM');
      await db.close();
      await new Promise((r) => setTimeout(r, 500));
      await dropDatabase(ctx.postgresUrl, name).catch(() => undefined);
    }
  },
};
