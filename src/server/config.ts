import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { countryCodes } from '../shared/countries/index.ts';
import { parseNetwork } from './platform/http/outbound.ts';
import { developmentMasterKey, type MasterKey, parseMasterKey } from './platform/kms.ts';

/**
 * The one configuration object, built from environment variables and validated before anything
 * starts. Every variable is declared once in `variables` below, with its meaning, its default and
 * how it is parsed; `loadConfig` collects every problem and reports them all at once.
 */

export const roles = ['all', 'api', 'worker'] as const;
export type Role = (typeof roles)[number];
export const environments = ['development', 'test', 'production'] as const;
export type Environment = (typeof environments)[number];
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface Config {
  env: Environment;
  role: Role;
  host: string;
  port: number;
  publicUrl: string;
  /** Absent: the embedded PGlite database in `dataDir`. */
  databaseUrl: string | undefined;
  databasePoolMax: number;
  dataDir: string;
  country: string;
  logLevel: LogLevel;
  bodyLimitBytes: number;
  trustProxy: boolean;
  /** Seed the demo population when the database is empty at start-up (embedded mode default). */
  seedOnStart: boolean;
  seedPeople: number;
  migrateOnStart: boolean;
  mail: {
    /** Absent: e-mails are built and logged (subject, masked address), not sent. */
    smtpUrl: string | undefined;
    from: string;
  };
  bridge: {
    bodyLimitBytes: number;
    bufferLimitBytes: number;
    replayWindowSeconds: number;
    logBatchMs: number;
    /** Where subscribers' webhooks may be delivered (platform/http/outbound.ts). */
    webhooks: {
      /** http: webhooks are accepted in development and test only; production needs https. */
      allowHttp: boolean;
      /** Networks webhooks may reach although they are not public, as `address/prefix`. */
      allowedNetworks: string[];
    };
    /**
     * Where services' backends may be (platform/http/outbound.ts); the host of `publicUrl` is
     * always reachable too (reference services).
     */
    backends: {
      /** http: backends are accepted in development and test only; production needs https. */
      allowHttp: boolean;
      /** Networks backends may be on although they are not public, as `address/prefix`. */
      allowedNetworks: string[];
    };
  };
  /** Master keys of the keys kept at rest (platform/kms.ts); printing them shows their ids only. */
  kms: {
    masterKey: MasterKey;
    /** The master key before the last rotation: it still unwraps, never wraps. */
    previousMasterKey: MasterKey | undefined;
  };
}

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  readonly problems: ReadonlyArray<{ variable: string; message: string }>;
  constructor(problems: ReadonlyArray<{ variable: string; message: string }>) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

interface Variable<T> {
  /** Why the variable exists, shown by `jokko config check --help` and in docs. */
  doc: string;
  secret?: boolean;
  /** Development default; a production deployment that relies on it gets a loud warning. */
  devDefault?: boolean;
  parse(raw: string | undefined, env: Env): T;
}

class Invalid extends Error {}

function int(min: number, max: number, fallback: number) {
  return (raw: string | undefined): number => {
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw))
      throw new Invalid(`expected a whole number between ${min} and ${max}, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new Invalid(`expected a whole number between ${min} and ${max}, got ${n}`);
    return n;
  };
}

function oneOf<T extends string>(allowed: readonly T[], fallback: T) {
  return (raw: string | undefined): T => {
    if (raw === undefined || raw === '') return fallback;
    const v = raw.trim().toLowerCase();
    if (!(allowed as readonly string[]).includes(v)) {
      throw new Invalid(`expected one of ${allowed.join(', ')}, got "${raw}"`);
    }
    return v as T;
  };
}

function bool(fallback: boolean) {
  return (raw: string | undefined): boolean => {
    if (raw === undefined || raw === '') return fallback;
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new Invalid(`expected true or false, got "${raw}"`);
  };
}

const sizeUnits: Record<string, number> = { '': 1, b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2 };
function byteSize(fallback: number) {
  return (raw: string | undefined): number => {
    if (raw === undefined || raw === '') return fallback;
    const m = /^(\d+)\s*([a-z]*)$/i.exec(raw.trim());
    const unit = m ? sizeUnits[m[2]!.toLowerCase()] : undefined;
    if (!m || unit === undefined)
      throw new Invalid(`expected a size such as 1048576, 512kb or 1mb, got "${raw}"`);
    const n = Number(m[1]) * unit;
    if (n < 1024 || n > 1024 ** 3) throw new Invalid('expected a size between 1kb and 1024mb');
    return n;
  };
}

/** Comma-separated addresses or CIDR ranges, normalised to `address/prefix`. */
function networks(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const network = parseNetwork(entry);
      if (!network)
        throw new Invalid(
          `expected addresses or CIDR ranges such as 10.20.0.0/16 or fd00::/8, got "${entry}"`,
        );
      return `${network.address}/${network.prefix}`;
    });
}

/** `X_FILE` wins over `X` so secrets can come from mounted files (Docker/Kubernetes secrets). */
function readSecret(name: string, env: Env): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch {
      throw new Invalid(`${name}_FILE points to "${file}", which cannot be read`);
    }
  }
  return env[name];
}

function masterKey(text: string): MasterKey {
  try {
    return parseMasterKey(text);
  } catch (err) {
    throw new Invalid((err as Error).message);
  }
}

const variables = {
  JOKKO_ENV: {
    doc: 'development (default), test or production. Production warns loudly about development defaults (PUBLIC_URL, HOST, embedded database).',
    parse: (raw: string | undefined, env: Env) =>
      oneOf(environments, env.NODE_ENV === 'production' ? 'production' : 'development')(raw),
  },
  JOKKO_ROLE: {
    doc: 'Which parts this process runs: all (default), api (HTTP only) or worker (background jobs only).',
    parse: oneOf(roles, 'all'),
  },
  HOST: {
    doc: 'Interface to listen on. Default 127.0.0.1; use 0.0.0.0 in a container.',
    devDefault: true,
    parse: (raw: string | undefined) => {
      const v = raw?.trim() || '127.0.0.1';
      if (!/^[\w.:[\]-]+$/.test(v)) throw new Invalid(`expected a host name or IP address, got "${raw}"`);
      return v;
    },
  },
  PORT: { doc: 'TCP port for HTTP. Default 3000; 0 picks a free port.', parse: int(0, 65535, 3000) },
  PUBLIC_URL: {
    doc: 'The URL citizens and partners use to reach this platform (issuer URLs and links are built from it). Default http://localhost:PORT.',
    devDefault: true,
    parse: (raw: string | undefined, env: Env) => {
      // A bad PORT is reported on its own; do not report it again through this default.
      const fallback = `http://localhost:${/^\d+$/.test(env.PORT ?? '') ? env.PORT : '3000'}`;
      const v = (raw?.trim() || fallback).replace(/\/+$/, '');
      let url: URL;
      try {
        url = new URL(v);
      } catch {
        throw new Invalid(`expected an absolute http(s) URL such as https://jokko.example.sn, got "${raw}"`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new Invalid(`expected an http or https URL, got "${raw}"`);
      }
      if (url.search || url.hash) throw new Invalid('must not contain a query or fragment');
      return v;
    },
  },
  DATABASE_URL: {
    doc: 'postgres://user:password@host:5432/db for PostgreSQL. Absent: the embedded PGlite database in JOKKO_DATA_DIR. Can come from DATABASE_URL_FILE.',
    secret: true,
    parse: (_raw: string | undefined, env: Env) => {
      const v = readSecret('DATABASE_URL', env)?.trim();
      if (!v) return undefined;
      let url: URL;
      try {
        url = new URL(v);
      } catch {
        throw new Invalid('expected a URL such as postgres://user:password@127.0.0.1:5432/jokko');
      }
      if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
        throw new Invalid(`expected a postgres:// or postgresql:// URL, got a ${url.protocol}// URL`);
      }
      return v;
    },
  },
  DATABASE_POOL_MAX: {
    doc: 'Largest PostgreSQL connection pool per process. Default 10.',
    parse: int(1, 500, 10),
  },
  JOKKO_DATA_DIR: {
    doc: 'Folder of the embedded database (used when DATABASE_URL is absent). Default ./data.',
    parse: (raw: string | undefined) => {
      const v = raw?.trim() || './data';
      return isAbsolute(v) ? v : resolve(process.cwd(), v);
    },
  },
  JOKKO_COUNTRY: {
    doc: 'Country profile (ISO 3166-1 alpha-2): SN (default, Senegal) or AZ (Azerbaijan).',
    parse: (raw: string | undefined) => {
      const v = (raw?.trim() || 'SN').toUpperCase();
      if (!countryCodes.includes(v)) {
        throw new Invalid(`expected a country profile code (${countryCodes.join(', ')}), got "${raw}"`);
      }
      return v;
    },
  },
  LOG_LEVEL: {
    doc: 'fatal, error, warn, info (default), debug, trace or silent.',
    parse: oneOf(logLevels, 'info'),
  },
  BODY_LIMIT: {
    doc: 'Largest accepted request body, e.g. 1mb (default) or 262144.',
    parse: byteSize(1024 * 1024),
  },
  TRUST_PROXY: {
    doc: 'true when behind a reverse proxy that sets X-Forwarded-* (client IPs and https URLs). Default false.',
    parse: bool(false),
  },
  JOKKO_SEED_ON_START: {
    doc: 'Create the demo population when the database is empty at start-up. Default true in embedded mode, false with DATABASE_URL.',
    parse: (raw: string | undefined, env: Env) => bool(!readSecret('DATABASE_URL', env))(raw),
  },
  JOKKO_SEED_PEOPLE: {
    doc: 'Size of the demo population created at start-up. Default 1000.',
    parse: int(10, 50_000_000, 1000),
  },
  JOKKO_MIGRATE_ON_START: {
    doc: 'Apply pending database migrations at start-up. Default true.',
    parse: bool(true),
  },
  SMTP_URL: {
    doc: 'SMTP server the notify worker sends e-mails through, e.g. smtp://127.0.0.1:2525 or smtps://user:password@smtp.example.sn:465 (nodemailer options may follow as a query). Absent: e-mails are logged (subject and masked address), not sent, and marked sent; production warns. Can come from SMTP_URL_FILE.',
    secret: true,
    parse: (_raw: string | undefined, env: Env) => {
      const v = readSecret('SMTP_URL', env)?.trim();
      if (!v) return undefined;
      let url: URL;
      try {
        url = new URL(v);
      } catch {
        throw new Invalid('expected a URL such as smtp://127.0.0.1:2525 or smtps://user:password@host:465');
      }
      if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
        throw new Invalid(`expected an smtp:// or smtps:// URL, got a ${url.protocol}// URL`);
      if (!url.hostname) throw new Invalid('expected a host name in the URL');
      return v;
    },
  },
  MAIL_FROM: {
    doc: 'Sender of notification e-mails, e.g. "Jokko <no-reply@jokko.gouv.sn>". Default "Jokko <no-reply@jokko.localhost>".',
    devDefault: true,
    parse: (raw: string | undefined) => {
      const v = raw?.trim() || 'Jokko <no-reply@jokko.localhost>';
      if (!/^(?:[^<>@\r\n]+ <[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/.test(v))
        throw new Invalid(`expected an address such as "Jokko <no-reply@jokko.gouv.sn>", got "${raw}"`);
      return v;
    },
  },
  BRIDGE_BODY_LIMIT: {
    doc: 'Largest request body the Digital Bridge forwards (streamed, never buffered). Default 100mb.',
    parse: byteSize(100 * 1024 ** 2),
  },
  BRIDGE_BUFFER_LIMIT: {
    doc: 'Provider answers up to this size are buffered and signed by the bridge in headers; larger ones stream. Default 1mb.',
    parse: byteSize(1024 ** 2),
  },
  BRIDGE_LOG_BATCH_MS: {
    doc: 'How long the message log gathers exchanges before one write (group commit); answers wait for it. Default 2.',
    parse: int(0, 1000, 2),
  },
  BRIDGE_REPLAY_WINDOW_SECONDS: {
    doc: 'How old a request signature may be; its nonce is remembered this long. Default 300.',
    parse: int(10, 3600, 300),
  },
  BRIDGE_WEBHOOK_ALLOWED_NETWORKS: {
    doc: 'Comma-separated addresses or CIDR ranges (10.20.0.0/16, 127.0.0.1, fd00:1::/48) that webhook deliveries may reach although they are not public. Default none: a webhook URL must resolve to public unicast addresses only (never loopback, private, link-local, CGNAT or unique-local), and be https unless JOKKO_ENV is development or test. Link-local addresses (cloud metadata) need a range inside 169.254.0.0/16 or fe80::/10: a broader one does not open them.',
    parse: networks,
  },
  BRIDGE_BACKEND_ALLOWED_NETWORKS: {
    doc: "Comma-separated addresses or CIDR ranges (10.20.0.0/16, fd00:1::/48) where services' backends may be although they are not public, e.g. the administrations' internal networks. Default none: a backend URL must resolve to public unicast addresses only, or to the addresses of PUBLIC_URL's host (where the reference services are), and be https unless JOKKO_ENV is development or test. Checked when a provider registers the service and before every gateway call and probe. Link-local addresses (cloud metadata) need a range inside 169.254.0.0/16 or fe80::/10.",
    parse: networks,
  },
  JOKKO_MASTER_KEY: {
    doc: 'Master key (32 bytes in base64: openssl rand -base64 32) that encrypts the keys kept in the database, such as the documents issuer keys. Default: a development key derived from a public string, which protects nothing. Can come from JOKKO_MASTER_KEY_FILE.',
    secret: true,
    devDefault: true,
    parse: (_raw: string | undefined, env: Env) => {
      const v = readSecret('JOKKO_MASTER_KEY', env)?.trim();
      return v ? masterKey(v) : developmentMasterKey();
    },
  },
  JOKKO_MASTER_KEY_PREVIOUS: {
    doc: 'The master key before a rotation: keys it wrapped still open until `rewrap` moves them to JOKKO_MASTER_KEY; remove it afterwards. Can come from JOKKO_MASTER_KEY_PREVIOUS_FILE.',
    secret: true,
    parse: (_raw: string | undefined, env: Env) => {
      const v = readSecret('JOKKO_MASTER_KEY_PREVIOUS', env)?.trim();
      return v ? masterKey(v) : undefined;
    },
  },
} satisfies Record<string, Variable<unknown>>;

export type VariableName = keyof typeof variables;
export const configVariables: ReadonlyArray<{ name: string; doc: string; secret: boolean }> = Object.entries(
  variables,
).map(([name, v]) => ({ name, doc: v.doc, secret: 'secret' in v && v.secret === true }));

type Parsed = { [K in VariableName]: ReturnType<(typeof variables)[K]['parse']> };

export function loadConfig(env: Env = process.env): Config {
  const problems: Array<{ variable: string; message: string }> = [];
  const parsed: Partial<Record<VariableName, unknown>> = {};
  for (const [name, variable] of Object.entries(variables) as Array<[VariableName, Variable<unknown>]>) {
    try {
      parsed[name] = variable.parse(env[name], env);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      problems.push({ variable: name, message: err.message });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const p = parsed as Parsed;
  return {
    env: p.JOKKO_ENV,
    role: p.JOKKO_ROLE,
    host: p.HOST,
    port: p.PORT,
    publicUrl: p.PUBLIC_URL,
    databaseUrl: p.DATABASE_URL,
    databasePoolMax: p.DATABASE_POOL_MAX,
    dataDir: p.JOKKO_DATA_DIR,
    country: p.JOKKO_COUNTRY,
    logLevel: p.LOG_LEVEL,
    bodyLimitBytes: p.BODY_LIMIT,
    trustProxy: p.TRUST_PROXY,
    seedOnStart: p.JOKKO_SEED_ON_START,
    seedPeople: p.JOKKO_SEED_PEOPLE,
    migrateOnStart: p.JOKKO_MIGRATE_ON_START,
    mail: { smtpUrl: p.SMTP_URL, from: p.MAIL_FROM },
    bridge: {
      bodyLimitBytes: p.BRIDGE_BODY_LIMIT,
      bufferLimitBytes: p.BRIDGE_BUFFER_LIMIT,
      replayWindowSeconds: p.BRIDGE_REPLAY_WINDOW_SECONDS,
      logBatchMs: p.BRIDGE_LOG_BATCH_MS,
      webhooks: {
        allowHttp: p.JOKKO_ENV !== 'production',
        allowedNetworks: p.BRIDGE_WEBHOOK_ALLOWED_NETWORKS,
      },
      backends: {
        allowHttp: p.JOKKO_ENV !== 'production',
        allowedNetworks: p.BRIDGE_BACKEND_ALLOWED_NETWORKS,
      },
    },
    kms: { masterKey: p.JOKKO_MASTER_KEY, previousMasterKey: p.JOKKO_MASTER_KEY_PREVIOUS },
  };
}

/** Warnings for a configuration that starts but should not run a national service as it is. */
export function configWarnings(config: Config, env: Env = process.env): string[] {
  if (config.env !== 'production') return [];
  const warnings: string[] = [];
  for (const [name, variable] of Object.entries(variables)) {
    if ('devDefault' in variable && variable.devDefault && !env[name] && !env[`${name}_FILE`]) {
      warnings.push(`${name} is not set: using a development default in production`);
    }
  }
  if (!config.databaseUrl)
    warnings.push('DATABASE_URL is not set: production is running on the embedded database');
  if (!config.publicUrl.startsWith('https://')) warnings.push('PUBLIC_URL is not https in production');
  if (!config.mail.smtpUrl) warnings.push('SMTP_URL is not set: notification e-mails are logged, not sent');
  warnings.push('no SMS or letter provider is wired yet: SMS and letters are logged, not sent');
  return warnings;
}

/** The configuration as it may be shown to a person: secrets masked. */
export function describeConfig(config: Config): Record<string, string | number | boolean> {
  return {
    env: config.env,
    role: config.role,
    host: config.host,
    port: config.port,
    publicUrl: config.publicUrl,
    database: config.databaseUrl ? maskUrl(config.databaseUrl) : `embedded PGlite in ${config.dataDir}`,
    databasePoolMax: config.databasePoolMax,
    dataDir: config.dataDir,
    country: config.country,
    logLevel: config.logLevel,
    bodyLimitBytes: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    seedOnStart: config.seedOnStart,
    seedPeople: config.seedPeople,
    migrateOnStart: config.migrateOnStart,
    smtp: config.mail.smtpUrl ? maskUrl(config.mail.smtpUrl) : 'not set: e-mails are logged, not sent',
    mailFrom: config.mail.from,
    masterKey: config.kms.masterKey.development
      ? `development default (${config.kms.masterKey.keyId}): protects nothing`
      : `set (${config.kms.masterKey.keyId})`,
    previousMasterKey: config.kms.previousMasterKey
      ? `set (${config.kms.previousMasterKey.keyId})`
      : 'not set',
  };
}

export function maskUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '*****';
    return url.toString();
  } catch {
    return '*****';
  }
}
