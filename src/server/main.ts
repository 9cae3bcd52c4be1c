import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { getCountryProfile } from '../shared/countries/index.ts';
import { buildApp } from './app.ts';
import { type Config, configWarnings, maskUrl } from './config.ts';
import {
  type DemoBridge,
  demoAgent,
  demoBank,
  demoBridge,
  demoEnrolment,
  ensureDemoCredentials,
} from './demo.ts';
import { createAuditLog, publishTreeHead } from './modules/audit/index.ts';
import { loadBridgeKey, startEventDelivery } from './modules/bridge/index.ts';
import { remindExpiringConsents } from './modules/consent/index.ts';
import {
  createDocumentsDeps,
  reconcileDocuments,
  revokeDocumentsOfRecord,
} from './modules/documents/index.ts';
import { completeApprovedApplications, createEservicesDeps } from './modules/eservices/index.ts';
import {
  createLoggingEmailSender,
  createSmtpEmailSender,
  LoggingLetterProvider,
  LoggingSmsProvider,
  startNotifyDelivery,
} from './modules/notify/index.ts';
import { createProgressBar, isSeeded, seedDemoCountry } from './modules/registries/index.ts';
import type { Database } from './platform/db/database.ts';
import { migrate } from './platform/db/migrate.ts';
import { openConfiguredDatabase } from './platform/db/open.ts';
import { createOutboundGuard } from './platform/http/outbound.ts';
import { createKmsFromConfig, type KeyManagement } from './platform/kms.ts';
import { loggerOptions } from './platform/logger.ts';
import { prepareStoredSecrets } from './stored-secrets.ts';

export interface RunningPlatform {
  app: FastifyInstance | undefined;
  database: Database;
  url: string | undefined;
  stop(): Promise<void>;
}

const say = (line = '') => process.stdout.write(`${line}\n`);

async function bridgeKeyLoader(database: Database, kms: KeyManagement) {
  const key = await loadBridgeKey(database, kms, new Date());
  return () => key;
}

/** Starts the roles this process is configured for; returns once it is serving. */
export async function startPlatform(config: Config): Promise<RunningPlatform> {
  for (const warning of configWarnings(config)) process.stderr.write(`WARNING: ${warning}\n`);
  const embedded = !config.databaseUrl;
  const database = await openConfiguredDatabase(config);
  try {
    if (config.migrateOnStart) {
      const report = await migrate(database);
      if (report.applied.length) say(`Applied ${report.applied.length} database migration(s).`);
    }
    // Every role: secrets older versions kept in clear are wrapped, and a wrong master key stops here.
    const kms = createKmsFromConfig(config.kms);
    const wrapped = Object.entries(await prepareStoredSecrets(database, kms));
    if (wrapped.length)
      say(`Wrapped secrets stored in clear: ${wrapped.map(([table, n]) => `${table} ${n}`).join(', ')}.`);
    if (config.seedOnStart && !(await isSeeded(database))) {
      const profile = getCountryProfile(config.country);
      say(`Creating the demo population for ${profile.name.en} (${config.seedPeople} people)...`);
      const bar = createProgressBar('seed');
      const summary = await seedDemoCountry(database, {
        profile,
        people: config.seedPeople,
        seed: 'jokko',
        onProgress: bar.update,
      });
      bar.stop();
      await createAuditLog(database).record({
        actor: { kind: 'system', id: 'start' },
        action: 'registries.demo.seeded',
        outcome: 'success',
        details: { country: profile.code, ...summary },
      });
      say(`Demo population ready: ${summary.people} people, ${summary.organisations} organisations.`);
    }
    const demo = embedded ? await ensureDemoCredentials(config, database) : undefined;
    const enrolment = demo ? await demoEnrolment(config, database) : undefined;
    const agent = demo ? await demoAgent(config, database) : undefined;

    let app: FastifyInstance | undefined;
    let url: string | undefined;
    if (config.role === 'all' || config.role === 'api') {
      app = await buildApp({ config, database });
      await app.listen({ host: config.host, port: config.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      url = config.port === 0 ? `http://${hostForUrl(config.host)}:${port}` : config.publicUrl;
    }
    const bridge: DemoBridge | undefined =
      (embedded || config.seedOnStart) && (await isSeeded(database))
        ? await demoBridge(config, database, url ?? config.publicUrl)
        : undefined;
    const bank = demo && url && bridge ? await demoBank(config, url, demo.operatorApiKey) : undefined;
    // Background work (event deliveries for now) runs in the all and worker roles; several
    // worker processes share it safely.
    const delivery =
      config.role === 'api'
        ? undefined
        : startEventDelivery({
            database,
            bridgeKey: await bridgeKeyLoader(database, kms),
            clock: () => new Date(),
            webhooks: createOutboundGuard(config.bridge.webhooks),
            onError: (err) => process.stderr.write(`event delivery: ${(err as Error).message}\n`),
          });
    // Consent expiry reminders: a sweep every quarter of an hour, exactly once per consent even
    // with several workers (one UPDATE ... RETURNING claims them).
    const reminders =
      config.role === 'api'
        ? undefined
        : setInterval(() => {
            remindExpiringConsents({ database, clock: () => new Date() }).catch((err: unknown) =>
              process.stderr.write(`consent reminders: ${(err as Error).message}\n`),
            );
          }, 15 * 60_000);
    reminders?.unref();
    // The worker's e-services and documents parts, built once for the sweeps below.
    const workerAudit = createAuditLog(database);
    const workerClock = () => new Date();
    const workerDocuments = createDocumentsDeps({
      database,
      audit: workerAudit,
      clock: workerClock,
      kms,
      country: getCountryProfile(config.country),
      publicUrl: config.publicUrl,
    });
    const workerEservices = createEservicesDeps({
      database,
      audit: workerAudit,
      country: getCountryProfile(config.country),
      clock: workerClock,
      publicUrl: config.publicUrl,
      kms,
      onRecordChanged: (change) => revokeDocumentsOfRecord(workerDocuments, change),
    });
    // Approved applications whose registry change failed (a registry unreachable) are completed on
    // a later try; a minute apart, in the all and worker roles.
    const completions =
      config.role === 'api'
        ? undefined
        : setInterval(() => {
            completeApprovedApplications(workerEservices).catch((err: unknown) =>
              process.stderr.write(`application completion: ${(err as Error).message}\n`),
            );
          }, 60_000);
    completions?.unref();
    // Documents follow their registries: a batch re-checked every five minutes, revoked when the
    // record changed (a death, a suspended licence, a vehicle sold).
    const documentChecks =
      config.role === 'api'
        ? undefined
        : setInterval(() => {
            reconcileDocuments(workerDocuments).catch((err: unknown) =>
              process.stderr.write(`document checks: ${(err as Error).message}\n`),
            );
          }, 5 * 60_000);
    documentChecks?.unref();
    // The transparency log signs a tree head every minute when entries were added, so witnesses see
    // any later rewrite; several workers may race, the tree size decides (same head either way).
    const treeHeads =
      config.role === 'api'
        ? undefined
        : setInterval(() => {
            publishTreeHead({
              database,
              kms: createKmsFromConfig(config.kms),
              clock: () => new Date(),
            }).catch((err: unknown) => process.stderr.write(`tree heads: ${(err as Error).message}\n`));
          }, 60_000);
    treeHeads?.unref();
    // The notify outbox: e-mails over SMTP (logged when SMTP_URL is absent), SMS and letters logged
    // until a provider is wired. Several workers share it (SKIP LOCKED); delivery is at least once.
    const notifyLog = pino(loggerOptions(config.logLevel)).child({ component: 'notify' });
    const email =
      config.role === 'api'
        ? undefined
        : config.mail.smtpUrl
          ? createSmtpEmailSender({ url: config.mail.smtpUrl, from: config.mail.from })
          : createLoggingEmailSender({ from: config.mail.from, logger: notifyLog });
    const country = getCountryProfile(config.country);
    const notices = email
      ? startNotifyDelivery({
          database,
          transport: {
            email,
            sms: new LoggingSmsProvider(notifyLog),
            letter: new LoggingLetterProvider(notifyLog),
          },
          clock: () => new Date(),
          defaultLanguage: country.languages.default,
          timeZone: country.timeZone,
          logger: notifyLog,
          onError: (err) => process.stderr.write(`notify delivery: ${(err as Error).message}\n`),
        })
      : undefined;
    if (config.role === 'worker')
      say(
        'Worker role: delivering bridge events, consent reminders and notifications (e-mail, SMS, letters).',
      );

    say('');
    say(`Jokko is running (${config.role} role, country ${config.country}).`);
    if (url) {
      say(`  Open:        ${url}/`);
      say(`  Super-app:   ${url}/app   (sign in with a demo citizen below)`);
      say(`  Back-office: ${url}/office   (agents; a demo agent below)`);
      say(`  Services:    ${url}/services/performance   (service performance, public)`);
      say(`  API docs:    ${url}/docs`);
      say(`  Health:      ${url}/health/ready`);
    }
    say(`  Database:    ${embedded ? `embedded PGlite in ${config.dataDir}` : maskUrl(config.databaseUrl!)}`);
    if (demo) {
      say('');
      say('Demo credentials (embedded mode only):');
      say(`  Operator API key: ${demo.operatorApiKey}`);
      say(
        `    try: curl -H "Authorization: Bearer ${demo.operatorApiKey}" ${url ?? config.publicUrl}/v1/registries`,
      );
      if (demo.citizens.length) {
        say('  Demo citizens (NIN and password; sign in through a relying party, e.g. the demo bank):');
        for (const c of demo.citizens) say(`    ${c.nin}  ${c.password}  ${c.name}`);
      }
      if (enrolment)
        say(
          `  Try enrolment: ${url ?? config.publicUrl}/enrol with NIN ${enrolment.nin} and activation code ${enrolment.code} (${enrolment.name})`,
        );
      if (agent) {
        say(
          `  Demo agent (${agent.organisation}, back-office): ${agent.nin}  ${agent.password}  ${agent.name}`,
        );
        say(
          `    second factor: TOTP secret ${agent.totpSecret} (an authenticator app, or: npm run jokko -- totp ${agent.totpSecret})`,
        );
      }
      say(
        `  Demo relying party (code flow, CIBA): ${demo.bankClient.clientId} / ${demo.bankClient.clientSecret}`,
      );
      say(
        `    redirect URI ${demo.bankClient.redirectUri}; discovery at ${url ?? config.publicUrl}/oidc/.well-known/openid-configuration`,
      );
      say('    it may also start "approve on your phone" logins (CIBA, poll) with login_hint=<NIN>');
    }
    if (bridge?.services.length) {
      say(`  Digital Bridge: ${bridge.services.length} reference services, e.g. ${bridge.services[0]}`);
      const nin = demo?.citizens[0]?.nin;
      const people = bridge.services.find((s) => s.endsWith('/people/v1'));
      if (bridge.client && nin && people)
        say(
          `    try: npm run jokko -- bridge call --bridge ${url ?? config.publicUrl} --client ${bridge.client.clientId} --keyid ${bridge.client.keyid} --key ${bridge.client.keyFile} --subject ${nin} ${people} /people/${nin}`,
        );
    }
    if (bank && 'error' in bank) say(`  Demo bank: not onboarded (${bank.error}).`);
    else if (bank) {
      say('  Demo bank (a partner onboarded through the partner API): npm run example:bank');
      say(`    then open ${bank.url} and "Se connecter avec Jokko" (configuration in ${bank.configFile})`);
    }
    say('');

    return {
      app,
      database,
      url,
      async stop() {
        if (reminders) clearInterval(reminders);
        if (completions) clearInterval(completions);
        if (documentChecks) clearInterval(documentChecks);
        if (treeHeads) clearInterval(treeHeads);
        await delivery?.stop();
        await notices?.stop();
        email?.close();
        await app?.close();
        await database.close();
      },
    };
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
