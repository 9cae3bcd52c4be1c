import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { defaultWebDir } from '../src/server/app.ts';
import { type AuditLog, createAuditLog } from '../src/server/modules/audit/index.ts';
import { publishReferenceServices } from '../src/server/modules/bridge/index.ts';
import {
  accessTokenFor,
  registerConfidentialTwin,
  superAppClientId,
} from '../src/server/modules/identity/index.ts';
import { listPeople, type Person, seedDemoCountry } from '../src/server/modules/registries/index.ts';
import { systemActor } from '../src/server/platform/actor.ts';
import type { Database } from '../src/server/platform/db/database.ts';
import { createTestApp, freePort, type TestApp } from '../src/server/testing.ts';
import { type CountryProfile, getCountryProfile } from '../src/shared/countries/index.ts';

/** Builds the web apps once if web/dist is missing (CI builds them before the tests). */
export async function ensureWebBuild(): Promise<void> {
  if (!existsSync(`${defaultWebDir}/index.html`)) {
    await build({
      configFile: fileURLToPath(new URL('../web/vite.config.ts', import.meta.url)),
      logLevel: 'warn',
    });
  }
}

/** The real server on PGlite, listening on a free loopback port, serving the built web apps. */
export async function startWebServer(): Promise<{ t: TestApp; url: string }> {
  await ensureWebBuild();
  const t = await createTestApp('pglite', {}, { webDir: defaultWebDir });
  const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  return { t, url };
}

/** A running demo platform: the app, its public address, and what reading its registers takes. */
export interface DemoServer {
  t: TestApp;
  /** http://localhost:<port>: a secure context, as WebCrypto, WebAuthn and the service worker need. */
  base: string;
  database: Database;
  /** The registers' dependencies, for listPeople, getPerson and getFamily. */
  registries: { database: Database; audit: AuditLog; country: CountryProfile };
  /** How many people the register holds. */
  people: number;
}

/**
 * The real server on PGlite with a seeded Senegal of `people` people, listening at its public URL;
 * by default it serves the built web apps and publishes the registries on the bridge as reference
 * services (with the platform's KMS), as a demo start does.
 */
export async function startDemoServer(options: {
  people: number;
  seed: string;
  web?: boolean;
  referenceServices?: boolean;
}): Promise<DemoServer> {
  const web = options.web ?? true;
  if (web) await ensureWebBuild();
  const port = await freePort();
  const base = `http://localhost:${port}`;
  const t = await createTestApp('pglite', { PUBLIC_URL: base }, web ? { webDir: defaultWebDir } : {});
  const database = t.db.database;
  const country = getCountryProfile('SN');
  await seedDemoCountry(database, { profile: country, people: options.people, seed: options.seed });
  await t.app.listen({ host: '127.0.0.1', port });
  const audit = createAuditLog(database);
  if (options.referenceServices ?? true)
    await publishReferenceServices(database, audit, {
      instance: 'SN',
      registriesUrl: `${base}/v1/registries`,
      kms: t.kms,
    });
  return { t, base, database, registries: { database, audit, country }, people: options.people };
}

/** The living people of the register born before `date` (YYYY-MM-DD), in the register's order. */
export async function peopleBornBefore(server: DemoServer, date: string): Promise<Person[]> {
  const { people } = await listPeople(server.registries, systemActor('t'), { limit: server.people });
  return people.filter((p) => !p.deathDate && p.birthDate < date);
}

const superAppTwin = {
  clientId: superAppClientId,
  secret: 'a-long-random-secret-for-the-super-app-in-e2e-0123',
  redirectUri: 'https://app.jokko.example/cb',
};

/**
 * A citizen's super-app access token, for API calls beside the browser: signed in through the
 * app's confidential twin, which this registers (again) first.
 */
export async function superAppToken(server: DemoServer, nin: string, password: string): Promise<string> {
  await registerConfidentialTwin(server.database, superAppTwin);
  return accessTokenFor(server.base, superAppTwin, { nin, password });
}
