import { join } from 'node:path';
import type { Config } from '../../config.ts';
import { type Database, openDatabase } from './database.ts';

/** The platform's database as configured: PostgreSQL when DATABASE_URL is set, else embedded PGlite. */
export function openConfiguredDatabase(config: Config): Promise<Database> {
  return openDatabase({
    url: config.databaseUrl,
    dataDir: join(config.dataDir, 'pglite'),
    poolMax: config.databasePoolMax,
  });
}
