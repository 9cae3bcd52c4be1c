import * as client from 'openid-client';
import {
  createAccount,
  hashPassword,
  passwordHashing,
  registerClient,
  runLogin,
} from '../src/server/modules/identity/index.ts';
import { demoCitizens, seedDemoCountry } from '../src/server/modules/registries/index.ts';
import { openDatabase } from '../src/server/platform/db/database.ts';
import { migrate } from '../src/server/platform/db/migrate.ts';
import { developmentKms } from '../src/server/platform/kms.ts';
import { freePort } from '../src/server/testing.ts';
import { getCountryProfile } from '../src/shared/countries/index.ts';
import { createDatabase, dropDatabase } from './databases.ts';
import { type Benchmark, median } from './harness.ts';
import { startJokko } from './server.ts';

/**
 * Identity throughput beside Keycloak's published sizing (per vCPU: about 15 password logins/s and
 * 120 client-credentials grants/s): argon2id hashes/s, full code + PKCE logins/s through the login
 * pages (password hashing included), client-credentials grants/s. The server runs in its own
 * process; the load generator shares the same 2 cores, so per-core figures are conservative.
 */
const cores = 2;
const password = 'Bench-password-for-jokko-2026';

async function timed(concurrency: number, seconds: number, fn: () => Promise<void>): Promise<number> {
  let done = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        await fn();
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

const hashOnce = async () => {
  await hashPassword(password);
};

export const benchmark: Benchmark = {
  name: 'identity',
  description: 'argon2id hashes/s, code + PKCE logins/s and client-credentials grants/s (per core)',
  async run(ctx) {
    const seconds = ctx.quick ? 2 : 8;
    const reps = 3;
    const rows: Array<Record<string, string | number>> = [];
    const samples: Record<string, number[]> = { hash1: [], hash2: [] };
    for (let r = 0; r < reps; r++) {
      samples.hash1!.push(await timed(1, seconds / 2, hashOnce));
      samples.hash2!.push(await timed(cores, seconds / 2, hashOnce));
    }
    const params = `m=${passwordHashing.memoryCost} KiB, t=${passwordHashing.timeCost}, p=${passwordHashing.parallelism}`;
    rows.push({
      measure: `argon2id hashes/s, 1 at a time (${params})`,
      value: Math.round(median(samples.hash1!)),
      'per core': Math.round(median(samples.hash1!)),
    });
    rows.push({
      measure: `argon2id hashes/s, ${cores} in parallel`,
      value: Math.round(median(samples.hash2!)),
      'per core': Math.round(median(samples.hash2!) / cores),
    });
    if (!ctx.postgresUrl)
      return { rows, notes: ['PostgreSQL not reachable: login and grant figures skipped.'] };

    const dbName = 'jokko_bench_identity';
    const url = await createDatabase(ctx.postgresUrl, dbName, { dropFirst: true });
    const db = await openDatabase({ url });
    await migrate(db);
    await seedDemoCountry(db, { profile: getCountryProfile('SN'), people: 200, seed: 'identity-bench' });
    const nin = (await demoCitizens(db))[0]!.nin;
    await createAccount(db, nin, password);
    const rp = {
      client_id: 'bench-rp',
      client_secret: 'bench-secret-0123456789-abcdefghijklmnop',
      redirect_uris: ['https://rp.example/cb'],
    };
    await registerClient(
      db,
      {
        ...rp,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      developmentKms(),
    );
    const m2m = { client_id: 'bench-m2m', client_secret: 'bench-m2m-secret-0123456789-abcdefghij' };
    await registerClient(
      db,
      {
        ...m2m,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      developmentKms(),
    );
    await db.close();

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const { child } = await startJokko(url, { PORT: String(port), PUBLIC_URL: base });
    try {
      const insecure = { execute: [client.allowInsecureRequests] };
      const rpConfig = await client.discovery(
        new URL(`${base}/oidc`),
        rp.client_id,
        rp.client_secret,
        undefined,
        insecure,
      );
      const m2mConfig = await client.discovery(
        new URL(`${base}/oidc`),
        m2m.client_id,
        m2m.client_secret,
        undefined,
        insecure,
      );
      const login = async () => {
        const outcome = await runLogin(rpConfig, {
          scope: 'openid',
          redirectUri: rp.redirect_uris[0]!,
          nin,
          password,
        });
        if (outcome.kind !== 'callback') throw new Error(`login stopped on a page (${outcome.status})`);
        await client.authorizationCodeGrant(rpConfig, outcome.callback, {
          pkceCodeVerifier: outcome.verifier,
          expectedState: outcome.state,
        });
      };
      await login();
      const grant = async () => {
        await client.clientCredentialsGrant(m2mConfig, {});
      };
      samples.logins = [];
      samples.grants = [];
      for (let r = 0; r < reps; r++) {
        samples.logins.push(await timed(4, seconds, login));
        samples.grants.push(await timed(8, seconds, grant));
      }
      const logins = median(samples.logins);
      const grants = median(samples.grants);
      rows.push({
        measure: 'code + PKCE logins/s (login page, password, consent, token exchange)',
        value: Math.round(logins),
        'per core': Math.round(logins / cores),
      });
      rows.push({
        measure: 'client-credentials grants/s',
        value: Math.round(grants),
        'per core': Math.round(grants / cores),
      });
      rows.push({
        measure: 'Keycloak sizing guide, per vCPU: password logins/s',
        value: '-',
        'per core': 15,
      });
      rows.push({
        measure: 'Keycloak sizing guide, per vCPU: client-credentials grants/s',
        value: '-',
        'per core': 120,
      });
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      await dropDatabase(ctx.postgresUrl, dbName);
    }
    return {
      rows,
      data: { argon2id: passwordHashing, seconds, repetitions: reps, samples },
      notes: [
        'Per core = measured / 2 cores; the load generator runs on the same 2 cores, so this understates the server.',
        'Keycloak figures: its published sizing guide (per vCPU), given as the yardstick the issue names, not measured here.',
      ],
    };
  },
};
