import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './platform/db/database.ts';
import { runJokko } from './testing/processes.ts';

/** The CLI as a user runs it: a real process, real exit codes, the embedded database on disk. */
const bin = fileURLToPath(new URL('../../bin/jokko.js', import.meta.url));

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: 'warn',
    ...extra,
  };
  return env;
}

const run = runJokko;

/** Starts `jokko start` and resolves with the URL and demo key it prints. */
function start(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; key: string; out: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'start'], { env: cleanEnv(env) });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`start timed out:\n${stdout}\n${stderr}`)), 90_000);
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.on('data', (d) => {
      stdout += d;
      const url = /Open:\s+(http:\/\/\S+?)\/\s/.exec(stdout)?.[1];
      const key = /Operator API key: (jk_\S+)/.exec(stdout)?.[1];
      if (url && key && /Demo citizens|\n\n$/.test(stdout)) {
        clearTimeout(timer);
        resolve({ child, url, key, out: () => stdout });
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`start exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('close');
    child.on('close', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('jokko CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'jokko-cli-'));
  const embedded = { JOKKO_DATA_DIR: dataDir, PORT: '0', JOKKO_SEED_PEOPLE: '60' };
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('prints help for every command and exits 0', async () => {
    const commands = [
      // The top level and one command of each nesting depth: every process imports the whole server.
      ['--help'],
      ['start', '--help'],
      ['audit', 'witness', '--help'],
      ['bridge', 'verify-log', '--help'],
    ];
    const runs = await Promise.all(commands.map((args) => run(args)));
    runs.forEach((r, i) => {
      expect(r.code, commands[i]?.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: jokko/);
    });
    expect(runs[0]?.stdout).toMatch(/DATABASE_URL/);
    expect(runs[0]?.stdout).toMatch(/BRIDGE_LOG_BATCH_MS/);
  }, 90_000);

  it('exits 2 with a usage message for an unknown command or a bad option', async () => {
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    const bad = await run(['seed', '--people', 'many'], embedded);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected a positive whole number/);
  });

  it('refuses a bad configuration naming the variable, without a stack trace', async () => {
    const r = await run(['config', 'check'], { PORT: 'abc', DATABASE_URL: 'postgres://u:hunter2@[bad' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PORT: expected a whole number/);
    expect(r.stderr).toMatch(/DATABASE_URL: expected a URL/);
    expect(r.stderr).not.toMatch(/hunter2|\n\s+at /);
  });

  it('checks a good configuration and masks its secrets', async () => {
    const r = await run(['config', 'check'], {
      DATABASE_URL: 'postgres://jokko:hunter2@db.example:5432/jokko',
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('postgres://jokko:*****@db.example:5432/jokko');
    expect(r.stdout).not.toContain('hunter2');
  });

  it('starts with demo data, serves health and docs, and keeps the data across a restart', async () => {
    const first = await start(embedded);
    children.push(first.child);
    expect((await fetch(`${first.url}/health/ready`)).status).toBe(200);
    expect((await fetch(`${first.url}/docs/`)).status).toBe(200);
    const auth = { authorization: `Bearer ${first.key}` };
    const before = await (await fetch(`${first.url}/v1/registries`, { headers: auth })).json();
    // One demo adult is left to enrol, with a fresh code printed (as an SMS would bring it).
    expect(first.out()).toMatch(
      /Try enrolment: \S+\/enrol with NIN \d{13} and activation code [A-HJ-NP-Z2-9]{8}/,
    );
    expect((await fetch(`${first.url}/enrol`)).status).toBe(200);
    const discovery = await (await fetch(`${first.url}/oidc/.well-known/openid-configuration`)).json();
    expect(discovery.backchannel_token_delivery_modes_supported).toEqual(['poll']);
    expect(await stop(first.child)).toBe(0);

    const second = await start(embedded);
    children.push(second.child);
    expect(second.key).toBe(first.key);
    expect(second.out()).not.toMatch(/Creating the demo population/);
    const after = await (await fetch(`${second.url}/v1/registries`, { headers: auth })).json();
    expect(after).toEqual(before);
    expect(await stop(second.child)).toBe(0);
  }, 180_000);

  it('creates an operator key that works on the API, and revokes it', async () => {
    const created = await run(
      ['api-key', 'create', '--label', 'test ops', '--actor-id', 'op-moussa', '--role', 'registries:read'],
      embedded,
    );
    expect(created.code, created.stderr).toBe(0);
    const id = /Created API key ([0-9a-f-]{36})/.exec(created.stdout)?.[1];
    const key = /^(jk_\S+)$/m.exec(created.stdout)?.[1];
    expect(id && key).toBeTruthy();
    const server = await start(embedded);
    children.push(server.child);
    const auth = { authorization: `Bearer ${key}` };
    expect((await fetch(`${server.url}/v1/registries`, { headers: auth })).status).toBe(200);
    expect(await stop(server.child)).toBe(0);

    expect((await run(['api-key', 'revoke', id!], embedded)).code).toBe(0);
    const again = await start(embedded);
    children.push(again.child);
    expect((await fetch(`${again.url}/v1/registries`, { headers: auth })).status).toBe(401);
    expect(await stop(again.child)).toBe(0);
    expect((await run(['api-key', 'revoke', 'not-a-uuid'], embedded)).code).toBe(2);
  }, 180_000);

  it('rotates the OpenID Connect signing key and retires the old one', async () => {
    const rotated = await run(['oidc-keys', 'rotate'], embedded);
    expect(rotated.code, rotated.stderr).toBe(0);
    const kid = /New signing key (\S+)\./.exec(rotated.stdout)?.[1];
    expect(kid).toBeTruthy();
    const retired = await run(['oidc-keys', 'retire'], embedded);
    expect(retired.stdout).toMatch(/Retired \S+/);
    expect((await run(['oidc-keys', 'retire'], embedded)).stdout).toMatch(/Nothing to retire/);
    const server = await start(embedded);
    children.push(server.child);
    const jwks = await (await fetch(`${server.url}/oidc/jwks`)).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual([kid]);
    expect(await stop(server.child)).toBe(0);
  }, 180_000);

  it('verifies the audit log, then names the entry an administrator edited', async () => {
    const ok = await run(['audit', 'verify'], embedded);
    expect(ok.code, ok.stderr).toBe(0);
    const entries = Number(/verifies: (\d+) entries/.exec(ok.stdout)?.[1]);
    expect(entries).toBeGreaterThan(0);

    // An administrator with direct database access bypasses the append-only trigger.
    const database = await openDatabase({ dataDir: join(dataDir, 'pglite') });
    const [victim] = await database.query<{ seq: string; id: string }>(
      'SELECT seq::text AS seq, id::text AS id FROM audit_log ORDER BY seq LIMIT 1',
    );
    await database.exec(`
      ALTER TABLE audit_log DISABLE TRIGGER USER;
      UPDATE audit_log SET outcome = 'denied' WHERE seq = ${Number(victim!.seq)};
      ALTER TABLE audit_log ENABLE TRIGGER USER;`);
    await database.close();

    const broken = await run(['audit', 'verify'], embedded);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`seq=${victim!.seq}`);
    expect(broken.stderr).toContain(victim!.id);
  }, 60_000);
});
