import type { FastifyBaseLogger } from 'fastify';
import type { CountryProfile } from '../shared/countries/index.ts';
import type { Config } from './config.ts';
import type { AuditLog } from './modules/audit/index.ts';
import type { Database } from './platform/db/database.ts';

/** What every module's routes and services are built with; assembled once in app.ts. */
export interface AppContext {
  config: Config;
  database: Database;
  country: CountryProfile;
  audit: AuditLog;
  logger: FastifyBaseLogger;
  clock: () => Date;
}
