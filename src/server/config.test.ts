import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configWarnings, describeConfig, loadConfig } from './config.ts';

function problemsOf(env: Record<string, string>): Array<{ variable: string; message: string }> {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has embedded-mode defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      role: 'all',
      host: '127.0.0.1',
      port: 3000,
      publicUrl: 'http://localhost:3000',
      databaseUrl: undefined,
      country: 'SN',
      logLevel: 'info',
      bodyLimitBytes: 1024 * 1024,
      seedOnStart: true,
    });
    expect(config.dataDir).toBe(join(process.cwd(), 'data'));
  });

  it('names every bad variable and what it expects, all at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://x@y/z',
      BODY_LIMIT: '2tb',
    });
    expect(problems.map((p) => p.variable).sort()).toEqual([
      'BODY_LIMIT',
      'DATABASE_URL',
      'LOG_LEVEL',
      'PORT',
    ]);
    expect(problems.find((p) => p.variable === 'PORT')?.message).toMatch(
      /whole number between 0 and 65535.*eighty/,
    );
    expect(problems.find((p) => p.variable === 'LOG_LEVEL')?.message).toMatch(
      /one of fatal, error, warn, info/,
    );
    expect(problems.find((p) => p.variable === 'DATABASE_URL')?.message).toMatch(/postgres:\/\//);
  });

  it('rejects an out-of-range port and an unknown country', () => {
    expect(problemsOf({ PORT: '70000' })[0]?.variable).toBe('PORT');
    expect(problemsOf({ JOKKO_COUNTRY: 'XX' })[0]).toMatchObject({ variable: 'JOKKO_COUNTRY' });
    expect(problemsOf({ JOKKO_COUNTRY: 'XX' })[0]?.message).toMatch(/SN.*AZ|AZ.*SN/);
  });

  it('never shows a secret in its error or its description', () => {
    const secret = 's3cr3t-password';
    const problems = problemsOf({ DATABASE_URL: `http://user:${secret}@db/x` });
    expect(JSON.stringify(problems)).not.toContain(secret);
    const config = loadConfig({ DATABASE_URL: `postgres://user:${secret}@db:5432/jokko` });
    expect(JSON.stringify(describeConfig(config))).not.toContain(secret);
    expect(describeConfig(config).database).toBe('postgres://user:*****@db:5432/jokko');
  });

  it('reads secrets from *_FILE variables and names an unreadable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jokko-config-'));
    const file = join(dir, 'db-url');
    writeFileSync(file, 'postgres://jokko@127.0.0.1:5432/jokko\n');
    expect(loadConfig({ DATABASE_URL_FILE: file }).databaseUrl).toBe('postgres://jokko@127.0.0.1:5432/jokko');
    expect(problemsOf({ DATABASE_URL_FILE: join(dir, 'missing') })[0]?.message).toMatch(/cannot be read/);
  });

  it('does not seed by default against PostgreSQL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://x@localhost/y' }).seedOnStart).toBe(false);
    expect(
      loadConfig({ DATABASE_URL: 'postgres://x@localhost/y', JOKKO_SEED_ON_START: 'true' }).seedOnStart,
    ).toBe(true);
  });

  it('accepts human body-size units', () => {
    expect(loadConfig({ BODY_LIMIT: '512kb' }).bodyLimitBytes).toBe(512 * 1024);
    expect(loadConfig({ BODY_LIMIT: '2MB' }).bodyLimitBytes).toBe(2 * 1024 * 1024);
  });

  it('takes an SMTP server for notification e-mails, masks its password, and warns when production has none', () => {
    expect(loadConfig({}).mail).toEqual({ smtpUrl: undefined, from: 'Jokko <no-reply@jokko.localhost>' });
    expect(problemsOf({ SMTP_URL: 'http://mail.example.sn' })[0]).toMatchObject({ variable: 'SMTP_URL' });
    expect(problemsOf({ MAIL_FROM: 'Jokko' })[0]).toMatchObject({ variable: 'MAIL_FROM' });
    const config = loadConfig({ SMTP_URL: 'smtps://jokko:s3cr3t-password@smtp.example.sn:465' });
    expect(describeConfig(config).smtp).toBe('smtps://jokko:*****@smtp.example.sn:465');
    const env = { JOKKO_ENV: 'production' };
    expect(configWarnings(loadConfig(env), env).join('\n')).toMatch(/SMTP_URL is not set/);
  });

  it('warns loudly when production relies on development defaults', () => {
    const env = { JOKKO_ENV: 'production' };
    const warnings = configWarnings(loadConfig(env), env);
    expect(warnings.join('\n')).toMatch(/PUBLIC_URL is not set/);
    expect(warnings.join('\n')).toMatch(/embedded database/);
    expect(configWarnings(loadConfig({}), {})).toEqual([]);
  });

  it('takes the master key from JOKKO_MASTER_KEY or its file, never shows it, and warns when production has none', () => {
    const dev = loadConfig({}).kms;
    expect(dev.masterKey.development).toBe(true);
    expect(dev.masterKey.keyId).toMatch(/^dev-/);
    expect(dev.previousMasterKey).toBeUndefined();
    expect(describeConfig(loadConfig({})).masterKey).toMatch(/^development default \(dev-[0-9a-f]{16}\)/);

    const current = randomBytes(32).toString('base64');
    const previous = randomBytes(32).toString('base64');
    const config = loadConfig({ JOKKO_MASTER_KEY: current, JOKKO_MASTER_KEY_PREVIOUS: previous });
    expect(config.kms.masterKey.development).toBe(false);
    expect(config.kms.masterKey.material().toString('base64')).toBe(current);
    expect(config.kms.previousMasterKey?.material().toString('base64')).toBe(previous);
    const shown = JSON.stringify([config, describeConfig(config)]);
    expect(shown).not.toContain(current);
    expect(shown).not.toContain(previous);
    expect(describeConfig(config).masterKey).toBe(`set (${config.kms.masterKey.keyId})`);

    const dir = mkdtempSync(join(tmpdir(), 'jokko-config-'));
    writeFileSync(join(dir, 'master-key'), `${current}\n`);
    const fromFile = { JOKKO_ENV: 'production', JOKKO_MASTER_KEY_FILE: join(dir, 'master-key') };
    expect(loadConfig(fromFile).kms.masterKey.keyId).toBe(config.kms.masterKey.keyId);
    expect(configWarnings(loadConfig(fromFile), fromFile).join('\n')).not.toMatch(/JOKKO_MASTER_KEY/);
    const env = { JOKKO_ENV: 'production' };
    expect(configWarnings(loadConfig(env), env).join('\n')).toMatch(
      /JOKKO_MASTER_KEY is not set: using a development default in production/,
    );

    const short = randomBytes(16).toString('base64');
    const problems = problemsOf({ JOKKO_MASTER_KEY: short, JOKKO_MASTER_KEY_PREVIOUS: 'x y' });
    expect(problems.map((p) => p.variable).sort()).toEqual(['JOKKO_MASTER_KEY', 'JOKKO_MASTER_KEY_PREVIOUS']);
    expect(problems[0]?.message).toMatch(/32 bytes in base64.*got 16 bytes/);
    expect(JSON.stringify(problems)).not.toContain(short);
  });

  it('lets webhooks reach no internal network by default, and http only outside production', () => {
    expect(loadConfig({}).bridge.webhooks).toEqual({ allowHttp: true, allowedNetworks: [] });
    expect(loadConfig({ JOKKO_ENV: 'production' }).bridge.webhooks.allowHttp).toBe(false);
    expect(
      loadConfig({ BRIDGE_WEBHOOK_ALLOWED_NETWORKS: '10.20.0.0/16, 127.0.0.1,fd00::/8' }).bridge.webhooks
        .allowedNetworks,
    ).toEqual(['10.20.0.0/16', '127.0.0.1/32', 'fd00::/8']);
    const problems = problemsOf({ BRIDGE_WEBHOOK_ALLOWED_NETWORKS: '10.0.0.0/8,internal.example' });
    expect(problems).toEqual([
      {
        variable: 'BRIDGE_WEBHOOK_ALLOWED_NETWORKS',
        message: expect.stringMatching(/CIDR ranges.*"internal\.example"/),
      },
    ]);
    expect(problemsOf({ BRIDGE_WEBHOOK_ALLOWED_NETWORKS: '10.0.0.0/33' })[0]?.variable).toBe(
      'BRIDGE_WEBHOOK_ALLOWED_NETWORKS',
    );
  });

  it("puts services' backends on no internal network by default, http only outside production", () => {
    expect(loadConfig({}).bridge.backends).toEqual({ allowHttp: true, allowedNetworks: [] });
    expect(loadConfig({ JOKKO_ENV: 'production' }).bridge.backends.allowHttp).toBe(false);
    expect(
      loadConfig({ BRIDGE_BACKEND_ALLOWED_NETWORKS: '10.20.0.0/16,fd00:1::/48' }).bridge.backends
        .allowedNetworks,
    ).toEqual(['10.20.0.0/16', 'fd00:1::/48']);
    expect(problemsOf({ BRIDGE_BACKEND_ALLOWED_NETWORKS: 'intranet' })).toEqual([
      { variable: 'BRIDGE_BACKEND_ALLOWED_NETWORKS', message: expect.stringMatching(/"intranet"/) },
    ]);
  });
});
