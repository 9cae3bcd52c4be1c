import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { getCountryProfile } from '../shared/countries/index.ts';
import {
  type Config,
  ConfigError,
  configVariables,
  configWarnings,
  describeConfig,
  loadConfig,
} from './config.ts';
import type { WitnessState } from './modules/audit/index.ts';
import type { LogBundle } from './modules/bridge/index.ts';
import { systemActor } from './platform/actor.ts';
import type { Database } from './platform/db/database.ts';

/**
 * What the commands need, loaded by the command that needs it: `jokko --help`, `config check` or
 * a usage error do not load the server, its modules and the embedded database (seconds per process).
 */
const lazy = {
  main: () => import('./main.ts'),
  audit: () => import('./modules/audit/index.ts'),
  bridge: () => import('./modules/bridge/index.ts'),
  identity: () => import('./modules/identity/index.ts'),
  registries: () => import('./modules/registries/index.ts'),
  documents: () => import('../shared/documents/index.ts'),
  migrate: () => import('./platform/db/migrate.ts'),
  kms: () => import('./platform/kms.ts'),
  backup: () => import('./cli/backup.ts'),
  keys: () => import('./cli/keys.ts'),
};

/** What `jokko api-key create` makes: keys for people who sign in are never minted from a shell. */
const apiKeyKinds = ['operator', 'system'] as const;

/** Exit codes: 0 success, 1 the operation failed (e.g. a broken audit chain), 2 bad usage or config. */
export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

class CliFailure extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = exitCodes.failed) {
    super(message);
    this.exitCode = exitCode;
  }
}

const out = (line = '') => process.stdout.write(`${line}\n`);

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('expected a positive whole number');
  return Number(value);
}

async function withDatabase<T>(config: Config, fn: (database: Database) => Promise<T>): Promise<T> {
  const { openConfiguredDatabase } = await import('./platform/db/open.ts');
  const database = await openConfiguredDatabase(config);
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}

export function buildCli(env: NodeJS.ProcessEnv = process.env): Command {
  const config = () => loadConfig(env);
  const program = new Command('jokko')
    .description(
      'Jokko, an open digital-government platform. Configuration comes from environment variables.',
    )
    .addHelpText(
      'after',
      `\nEnvironment variables:\n${configVariables.map((v) => `  ${v.name}\n      ${v.doc}`).join('\n')}`,
    )
    .showHelpAfterError()
    .exitOverride();

  program
    .command('start')
    .description('Start the platform (migrations, demo data when embedded and empty, HTTP server).')
    .action(async () => {
      const { startPlatform } = await lazy.main();
      const platform = await startPlatform(config());
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string) => {
          out(`\n${signal} received: stopping...`);
          platform.stop().then(resolve, resolve);
        };
        process.once('SIGINT', () => shutdown('SIGINT'));
        process.once('SIGTERM', () => shutdown('SIGTERM'));
      });
    });

  program
    .command('migrate')
    .description('Apply pending database migrations (forward-only) and report what was applied.')
    .action(async () => {
      const { migrate } = await lazy.migrate();
      const report = await withDatabase(config(), migrate);
      out(
        report.applied.length
          ? `Applied ${report.applied.length} migration(s):\n${report.applied.map((m) => `  ${m}`).join('\n')}`
          : `Database is up to date (${report.alreadyApplied} migrations applied).`,
      );
    });

  program
    .command('seed')
    .description('Create the deterministic demo population for the active country profile.')
    .addOption(new Option('--people <n>', 'number of people').argParser(positiveInt).default(1000))
    .option('--seed <value>', 'seed of the generator (same seed, same population)', 'jokko')
    .option('--reset', 'empty the registries first instead of refusing a non-empty database', false)
    .action(async (opts: { people: number; seed: string; reset: boolean }) => {
      const cfg = config();
      const profile = getCountryProfile(cfg.country);
      const [
        { migrate },
        { createProgressBar, seedDemoCountry },
        { createAuditLog },
        identity,
        bridge,
        kmsModule,
      ] = await Promise.all([
        lazy.migrate(),
        lazy.registries(),
        lazy.audit(),
        lazy.identity(),
        lazy.bridge(),
        lazy.kms(),
      ]);
      const { createKmsFromConfig } = kmsModule;
      const { registerDemoClients, superAppClientId } = identity;
      const { publishReferenceServices } = bridge;
      await withDatabase(cfg, async (database) => {
        await migrate(database);
        const bar = createProgressBar(`seed ${profile.code}`);
        const started = performance.now();
        const summary = await seedDemoCountry(database, {
          profile,
          people: opts.people,
          seed: opts.seed,
          reset: opts.reset,
          onProgress: bar.update,
        });
        bar.stop();
        await createAuditLog(database).record({
          actor: { kind: 'system', id: 'cli' },
          action: 'registries.demo.seeded',
          outcome: 'success',
          details: { country: profile.code, seed: opts.seed, reset: opts.reset, ...summary },
        });
        const seconds = (performance.now() - started) / 1000;
        out(
          `Seeded ${summary.people} people in ${seconds.toFixed(1)} s (${Math.round(summary.people / seconds)} people/s).`,
        );
        out(JSON.stringify(summary));
        // The relying parties every demo has: the super-app and a bank (code flow and CIBA).
        const bank = {
          clientId: 'demo-bank',
          clientSecret: randomBytes(32).toString('base64url'),
          redirectUri: 'http://localhost:4000/callback',
        };
        await registerDemoClients(database, cfg.publicUrl, bank, createKmsFromConfig(cfg.kms));
        out(
          `Demo relying parties: ${superAppClientId} (public client, PKCE) and ${bank.clientId} / ${bank.clientSecret}`,
        );
        const reference = await publishReferenceServices(database, createAuditLog(database), {
          kms: createKmsFromConfig(cfg.kms),
          instance: profile.code,
          registriesUrl: `${cfg.publicUrl}/v1/registries`,
        });
        out(
          `Digital Bridge: ${reference.services.length} reference services published by the registry owners.`,
        );
      });
    });

  const keys = program.command('oidc-keys').description('Signing keys of the OpenID Connect provider.');
  keys
    .command('rotate')
    .description(
      'Add a new signing key; nodes sign with it after their next (rolling) restart, the old key stays published.',
    )
    .action(async () => {
      const cfg = config();
      const [{ migrate }, { addSigningKey }, { createAuditLog }, { createKmsFromConfig }] = await Promise.all(
        [lazy.migrate(), lazy.identity(), lazy.audit(), lazy.kms()],
      );
      await withDatabase(cfg, async (database) => {
        await migrate(database);
        const kid = await addSigningKey(database, createKmsFromConfig(cfg.kms));
        await createAuditLog(database).record({
          actor: { kind: 'system', id: 'cli' },
          action: 'identity.signing-key.added',
          subject: { kind: 'signing-key', id: kid },
          outcome: 'success',
        });
        out(
          `New signing key ${kid}. Restart the nodes one by one; retire the old key once its tokens have expired.`,
        );
      });
    });
  keys
    .command('retire')
    .description('Retire every signing key but the newest; they leave the JWKS at the next restart.')
    .action(async () => {
      const cfg = config();
      const [{ migrate }, { retireSigningKeys }, { createAuditLog }] = await Promise.all([
        lazy.migrate(),
        lazy.identity(),
        lazy.audit(),
      ]);
      await withDatabase(cfg, async (database) => {
        await migrate(database);
        const retired = await retireSigningKeys(database);
        for (const kid of retired)
          await createAuditLog(database).record({
            actor: { kind: 'system', id: 'cli' },
            action: 'identity.signing-key.retired',
            subject: { kind: 'signing-key', id: kid },
            outcome: 'success',
          });
        out(retired.length ? `Retired ${retired.join(', ')}.` : 'Nothing to retire: one key is active.');
      });
    });

  const apiKey = program.command('api-key').description('Bearer API keys for operators and integrations.');
  apiKey
    .command('create')
    .description('Create a key and print it once (only its hash is stored).')
    .requiredOption('--label <text>', 'what the key is for, e.g. "monitoring at ADIE"')
    .requiredOption('--actor-id <id>', 'who acts with it, as recorded in the audit log')
    .addOption(
      // Citizens and agents sign in (with their second factor); partners get theirs at onboarding.
      new Option('--kind <kind>', 'actor kind: an operator, or a system integration')
        .choices([...apiKeyKinds])
        .default('operator'),
    )
    .option('--role <role...>', 'rights, e.g. registries:read audit:read audit:verify', [])
    .option('--expires-in-days <n>', 'expiry', positiveInt)
    .action(
      async (opts: {
        label: string;
        actorId: string;
        kind: (typeof apiKeyKinds)[number];
        role: string[];
        expiresInDays?: number;
      }) => {
        const [{ migrate }, { createApiKey }, { createAuditLog }] = await Promise.all([
          lazy.migrate(),
          lazy.identity(),
          lazy.audit(),
        ]);
        await withDatabase(config(), async (database) => {
          await migrate(database);
          const expiresAt = opts.expiresInDays
            ? new Date(Date.now() + opts.expiresInDays * 86_400_000)
            : undefined;
          const { id, key } = await createApiKey(database.db, {
            label: opts.label,
            actor: { kind: opts.kind, id: opts.actorId, roles: opts.role },
            ...(expiresAt ? { expiresAt } : {}),
          });
          await createAuditLog(database).record({
            actor: { kind: 'system', id: 'cli' },
            action: 'identity.api-key.created',
            subject: { kind: 'api-key', id },
            outcome: 'success',
            details: {
              label: opts.label,
              actorKind: opts.kind,
              actorId: opts.actorId,
              roles: opts.role,
              expiresAt: expiresAt?.toISOString() ?? null,
            },
          });
          out(
            `Created API key ${id} for ${opts.kind} ${opts.actorId} (${opts.role.join(', ') || 'no roles'}).`,
          );
          out('The key is shown once; store it in a secret manager:');
          out(key);
        });
      },
    );
  apiKey
    .command('revoke')
    .description('Revoke a key by its id; it stops working at once on every node.')
    .argument('<id>', 'the key id printed at creation')
    .action(async (id: string) => {
      if (!/^[0-9a-f-]{36}$/i.test(id))
        throw new CliFailure('expected the key id (a UUID) printed at creation', exitCodes.usage);
      const [{ revokeApiKey }, { createAuditLog }] = await Promise.all([lazy.identity(), lazy.audit()]);
      await withDatabase(config(), async (database) => {
        const revoked = await revokeApiKey(database.db, id, new Date());
        await createAuditLog(database).record({
          actor: { kind: 'system', id: 'cli' },
          action: 'identity.api-key.revoked',
          subject: { kind: 'api-key', id },
          outcome: revoked ? 'success' : 'failure',
        });
        if (!revoked) throw new CliFailure(`no API key with id ${id}`);
        out(`Revoked API key ${id}.`);
      });
    });

  const audit = program.command('audit').description('Audit log tools.');
  audit
    .command('verify')
    .description(
      'Recompute the audit hash chain; exit 1 and name the first broken entry if it does not verify.',
    )
    .action(async () => {
      const { verifyAuditLog } = await lazy.audit();
      const result = await withDatabase(config(), (database) => verifyAuditLog(database));
      if (result.ok) {
        out(
          `Audit log verifies: ${result.entries} entries, chain head ${result.headHash ?? '(empty)'}, ` +
            `Merkle root ${result.rootHash ?? '(empty)'}, ${result.treeHeadsChecked} signed tree heads checked.`,
        );
        return;
      }
      const b = result.firstBroken!;
      throw new CliFailure(
        `Audit log does NOT verify: entry seq=${b.seq}${b.id ? ` id=${b.id}` : ''} is broken: ${b.reason} (${result.entries} entries checked).`,
      );
    });

  audit
    .command('publish-head')
    .description('Sign and store a tree head for the log as it is now (the worker does it every minute).')
    .action(async () => {
      const cfg = config();
      const [{ publishTreeHead }, { createKmsFromConfig }] = await Promise.all([lazy.audit(), lazy.kms()]);
      const head = await withDatabase(cfg, (database) =>
        publishTreeHead({ database, kms: createKmsFromConfig(cfg.kms), clock: () => new Date() }),
      );
      out(
        `Tree head: ${head.treeSize} entries, root ${head.rootHash}, signed by ${head.kid} at ${head.issuedAt}.`,
      );
    });
  audit
    .command('rotate-log-key')
    .description(
      'Make a new log key for the next tree heads; the old keys stay published, so witnesses and old heads keep verifying.',
    )
    .action(async () => {
      const cfg = config();
      const [{ rotateLogKey, createAuditLog }, { createKmsFromConfig }] = await Promise.all([
        lazy.audit(),
        lazy.kms(),
      ]);
      const rotated = await withDatabase(cfg, async (database) => {
        const result = await rotateLogKey({
          database,
          kms: createKmsFromConfig(cfg.kms),
          clock: () => new Date(),
        });
        await createAuditLog(database).record({
          actor: { kind: 'system', id: 'cli' },
          action: 'audit.log-key.rotated',
          subject: { kind: 'log-key', id: result.kid },
          outcome: 'success',
          details: { retired: result.retired },
        });
        return result;
      });
      out(
        `New log key ${rotated.kid}; retired ${rotated.retired.join(', ') || 'none'} (still published). Nodes sign with the new key within 30 s.`,
      );
    });
  audit
    .command('witness')
    .description(
      "Check that the log's newest signed tree head extends the last one this witness kept; exit 1 on a fork, rewrite or truncation.",
    )
    .requiredOption('--log <url>', "the log's base URL, e.g. https://jokko.example/v1/audit")
    .option(
      '--state <file>',
      'where the witness keeps the last head and the pinned keys',
      'jokko-witness.json',
    )
    .option('--watch <seconds>', 'check again every so many seconds until stopped', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of seconds');
      return n;
    })
    .action(async (opts: { log: string; state: string; watch?: number }) => {
      const { runWitness } = await lazy.audit();
      for (;;) {
        const state = existsSync(opts.state)
          ? (JSON.parse(readFileSync(opts.state, 'utf8')) as WitnessState)
          : undefined;
        const outcome = await runWitness({ log: opts.log, ...(state ? { state } : {}) });
        if (outcome.kind === 'alert') throw new CliFailure(`ALERT: ${outcome.reason}`);
        // Written to a temporary file first: a crash never leaves a half-written state.
        writeFileSync(`${opts.state}.tmp`, `${JSON.stringify(outcome.state, null, 2)}\n`);
        renameSync(`${opts.state}.tmp`, opts.state);
        const h = outcome.head;
        out(
          outcome.kind === 'first'
            ? `First head kept: ${h.treeSize} entries, root ${h.rootHash}; ${outcome.state.keys.length} log key(s) pinned.`
            : outcome.kind === 'unchanged'
              ? `Unchanged: ${h.treeSize} entries, root ${h.rootHash}.`
              : `Consistent: ${outcome.previous.treeSize} → ${h.treeSize} entries, root ${h.rootHash}.`,
        );
        if (!opts.watch) return;
        await new Promise((r) => setTimeout(r, opts.watch! * 1000));
      }
    });

  const bridge = program.command('bridge').description('Digital Bridge tools.');
  bridge
    .command('call')
    .description(
      'Call a bridge service as a client subsystem, signing the request (RFC 9421); prints the answer.',
    )
    .requiredOption('--bridge <url>', 'the bridge URL, e.g. https://jokko.example.sn')
    .requiredOption('--client <id>', 'calling subsystem, INSTANCE/CLASS/MEMBER/SUBSYSTEM')
    .requiredOption('--keyid <keyid>', 'the keyid registered for the subsystem')
    .requiredOption('--key <file>', "the subsystem's private key (PEM or JWK file)")
    .option('--alg <alg>', 'ed25519 or ecdsa-p256-sha256', 'ed25519')
    .option('--method <method>', 'HTTP method (default GET, or POST with --data)')
    .option('--data <json>', 'a JSON body')
    .option('--subject <nin>', 'the citizen concerned (X-Jokko-Subject)')
    .option('--user-id <id>', 'the end user (X-Road-UserId)')
    .argument('<service>', 'service id, e.g. SN/GOV/DGID/impots/attestation-fiscale/v1')
    .argument('<path>', 'path inside the service, e.g. /attestations/1000271828182')
    .action(async (service: string, path: string, o: Record<string, string | undefined>) => {
      const raw = readFileSync(String(o.key), 'utf8');
      const privateKey = raw.trimStart().startsWith('{') ? (JSON.parse(raw) as Record<string, unknown>) : raw;
      if (o.alg !== 'ed25519' && o.alg !== 'ecdsa-p256-sha256')
        throw new CliFailure('--alg must be ed25519 or ecdsa-p256-sha256', exitCodes.usage);
      const { createBridgeClient } = await lazy.bridge();
      const bridgeUrl = String(o.bridge);
      const keys = await fetch(`${bridgeUrl.replace(/\/$/, '')}/v1/bridge/keys`)
        .then((r) => r.json() as Promise<{ keys: Array<Record<string, unknown>> }>)
        .then((b) => b.keys)
        .catch(() => undefined);
      const client = createBridgeClient({
        bridgeUrl,
        client: String(o.client),
        keyid: String(o.keyid),
        privateKey,
        alg: o.alg,
        ...(keys ? { bridgeKeys: keys } : {}),
      });
      const answer = await client.call({
        service,
        path,
        ...(o.method ? { method: o.method } : {}),
        ...(o.data !== undefined ? { body: JSON.parse(o.data) as object } : {}),
        ...(o.subject ? { subject: o.subject } : {}),
        ...(o.userId ? { userId: o.userId } : {}),
      });
      process.stderr.write(
        `HTTP ${answer.status}, X-Road-Id ${answer.headers['x-road-id']}, answer signature ${answer.verified === true ? 'verified' : 'NOT verified'}\n`,
      );
      out(answer.body.toString('utf8'));
      if (answer.status >= 400) throw new CliFailure(`the bridge answered ${answer.status}`);
    });
  bridge
    .command('export-log')
    .description('Write a signed extract of the message log for a period (an auditor verifies it offline).')
    .requiredOption('--from <time>', 'start, ISO 8601 (inclusive)')
    .requiredOption('--to <time>', 'end, ISO 8601 (exclusive)')
    .requiredOption('--out <file>', 'where to write the bundle (JSON)')
    .action(async (o: { from: string; to: string; out: string }) => {
      const from = new Date(o.from);
      const to = new Date(o.to);
      if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || !(from < to))
        throw new CliFailure('--from and --to must be ISO 8601 times, from before to', exitCodes.usage);
      const cfg = config();
      const [{ migrate }, { loadBridgeKey, exportMessageLog }, { createAuditLog }, { createKmsFromConfig }] =
        await Promise.all([lazy.migrate(), lazy.bridge(), lazy.audit(), lazy.kms()]);
      await withDatabase(cfg, async (database) => {
        await migrate(database);
        const key = await loadBridgeKey(database, createKmsFromConfig(cfg.kms), new Date());
        const bundle = await exportMessageLog(
          { database, audit: createAuditLog(database), bridgeKey: () => key, clock: () => new Date() },
          systemActor('cli'),
          { from, to },
        );
        writeFileSync(o.out, JSON.stringify(bundle));
        out(
          `Wrote ${bundle.count} records to ${o.out} (digest ${bundle.digest}, signed by ${bundle.signer}).`,
        );
      });
    });
  bridge
    .command('verify-log')
    .description(
      'Verify a message-log bundle offline: every record, the digest and the signature; exit 1 if not.',
    )
    .argument('<file>', 'the bundle written by export-log or GET /v1/bridge/log/export')
    .option(
      '--keys <file>',
      'the bridge keys to trust (the JSON of GET /v1/bridge/keys); default: those in the bundle',
    )
    .action(async (file: string, o: { keys?: string }) => {
      const { verifyLogBundle } = await lazy.bridge();
      let bundle: LogBundle;
      let keys: Array<Record<string, unknown>> | undefined;
      try {
        bundle = JSON.parse(readFileSync(file, 'utf8')) as LogBundle;
        if (o.keys)
          keys = (JSON.parse(readFileSync(o.keys, 'utf8')) as { keys: Array<Record<string, unknown>> }).keys;
      } catch (err) {
        throw new CliFailure(`cannot read the bundle or keys: ${(err as Error).message}`, exitCodes.usage);
      }
      const result = verifyLogBundle(bundle, keys);
      if (result.selfKeyed)
        out('Note: checked with the keys inside the bundle; pass --keys to pin the published keys.');
      if (!result.ok) throw new CliFailure(`Bundle does NOT verify:\n  ${result.problems.join('\n  ')}`);
      out(`Bundle verifies: ${result.count} records, digest ${bundle.digest}, signed by ${bundle.signer}.`);
    });

  const documents = program.command('documents').description('Verifiable documents tools.');
  documents
    .command('verify')
    .description(
      "Check a document's presentation (the QR's text or its /verify#... link) against the trust list and the issuer's status list; exit 1 when it is not valid.",
    )
    .requiredOption(
      '--jokko <url>',
      'the platform that publishes the trust list, e.g. https://jokko.example.sn',
    )
    .option(
      '--anchor <file>',
      'the pinned trust anchor (JWKS file); default: fetched from the platform (trust on first use)',
    )
    .option('--max-age <seconds>', 'oldest presentation accepted', '300')
    .argument('<presentation>', 'the presentation, a /verify#... link, or @file to read it from a file')
    .action(async (raw: string, o: { jokko: string; anchor?: string; maxAge: string }) => {
      const { verifyCredential, verifyPresentation, verifyTrustList } = await lazy.documents();
      const text = (raw.startsWith('@') ? readFileSync(raw.slice(1), 'utf8') : raw).trim();
      const presentation = text.includes('#') ? text.slice(text.indexOf('#') + 1) : text;
      const base = o.jokko.replace(/\/+$/, '');
      const get = async (url: string) => {
        const res = await fetch(url);
        if (!res.ok) throw new CliFailure(`${url} answered ${res.status}`);
        return res.text();
      };
      const anchor = o.anchor
        ? (JSON.parse(readFileSync(o.anchor, 'utf8')) as { keys: JsonWebKey[] })
        : (JSON.parse(await get(`${base}/v1/documents/trust-anchor`)) as { keys: JsonWebKey[] });
      const now = new Date();
      const trustList = await verifyTrustList(await get(`${base}/v1/documents/trust-list`), anchor.keys, now);
      // A paper copy's QR holds the credential itself (ending with "~"): no key binding to check.
      const paper = presentation.endsWith('~');
      const result = paper
        ? await verifyCredential(presentation, { trustList, statusList: get, now })
        : await verifyPresentation(presentation, {
            trustList,
            statusList: get,
            now,
            maxAgeSeconds: Number(o.maxAge),
          });
      if (!result.valid) throw new CliFailure(`NOT VALID (${result.reason}): ${result.detail}`);
      if (paper) out("PAPER COPY: genuine, but paper can be copied: check the holder's identity.");
      out(
        `VALID: ${result.documentType ?? result.type}, issued by ${result.issuer.name} (${result.issuer.identifier}), until ${result.expiresAt.toISOString().slice(0, 10)}`,
      );
      out(JSON.stringify(result.claims, null, 2));
    });

  program
    .command('totp')
    .description(
      'Print the current code of a TOTP secret (demo agents and testers; never a real citizen secret).',
    )
    .argument('<secret>', 'base32 secret, as printed for the demo agent')
    .action(async (secret: string) => {
      if (!/^[A-Z2-7]{16,128}=*$/.test(secret))
        throw new CliFailure('the secret must be base32 (A-Z, 2-7)', exitCodes.usage);
      const { totpCode } = await lazy.identity();
      out(totpCode(secret));
    });

  program
    .command('config')
    .description('Configuration tools.')
    .command('check')
    .description('Validate the configuration from the environment and print it with secrets masked.')
    .action(() => {
      const cfg = config();
      getCountryProfile(cfg.country);
      out(JSON.stringify(describeConfig(cfg), null, 2));
      for (const w of configWarnings(cfg, env)) out(`WARNING: ${w}`);
      out('Configuration is valid.');
    });

  program
    .command('backup')
    .description(
      'Dump the whole database with a manifest (sha256, schema, audit head) beside it: pg_dump with DATABASE_URL, the data folder as tar.gz for the embedded database (stop the server first).',
    )
    .option('--out <file>', 'where to write the dump (default: jokko-backup-<engine>-<time>.dump|.tar.gz)')
    .option('--pg-bin-dir <dir>', 'folder of pg_dump when it is not on PATH, e.g. /usr/lib/postgresql/15/bin')
    .action(async (opts: { out?: string; pgBinDir?: string }) => {
      const cfg = config();
      await (await lazy.backup()).backup(cfg, env, opts);
    });
  program
    .command('restore')
    .description(
      'Restore a backup after checking its sha256, then verify the audit log and its head against the manifest; exit 1 if anything differs.',
    )
    .argument('<file>', 'the dump written by jokko backup (its .manifest.json must be beside it)')
    .option('--yes', 'replace a database that is not empty without asking', false)
    .option('--pg-bin-dir <dir>', 'folder of pg_restore when it is not on PATH')
    .action(async (file: string, opts: { yes: boolean; pgBinDir?: string }) => {
      const cfg = config();
      await (await lazy.backup()).restore(cfg, env, file, opts);
    });

  program
    .command('keys')
    .description('Keys and secrets stored in the database.')
    .command('rotate-master')
    .description(
      'Re-wrap every stored secret under JOKKO_MASTER_KEY; the old key is JOKKO_MASTER_KEY_PREVIOUS. Run after every node has both keys, then remove the previous one.',
    )
    .action(async () => {
      const cfg = config();
      await (await lazy.keys()).rotateMasterKeyCommand(cfg);
    });

  return program;
}

/** Runs the CLI and returns the process exit code; never prints a stack trace for expected failures. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = buildCli(env);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCodes.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return exitCodes.usage;
    }
    if (err instanceof CliFailure) {
      process.stderr.write(`${err.message}\n`);
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`jokko: ${message}\n`);
    if (env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace')
      process.stderr.write(`${(err as Error).stack}\n`);
    return exitCodes.failed;
  }
}
