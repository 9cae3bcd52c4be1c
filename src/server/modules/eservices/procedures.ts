import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkProcedure } from '../../../shared/procedures/check.ts';
import type { ProcedureDefinition } from '../../../shared/procedures/definition.ts';
import type { Actor, RequestOrigin } from '../../platform/actor.ts';
import type { SqlSession } from '../../platform/db/database.ts';
import { conflict, notFound, Problem } from '../../platform/http/problems.ts';
import { authorize } from '../../platform/policy.ts';
import type { EservicesDeps } from './deps.ts';
import { canEditProcedures } from './policies.ts';

export const defaultProceduresDir = fileURLToPath(new URL('../../../../procedures/', import.meta.url));

const refused = (problems: Array<{ pointer: string; message: string }>) =>
  new Problem('validation-failed', 'the procedure definition is not valid', {
    errors: problems.map((p) => ({ in: 'body', pointer: p.pointer, detail: p.message })),
  });

async function administrations(session: SqlSession): Promise<Set<string>> {
  const rows = await session.query<{ identifier: string }>(
    "SELECT identifier FROM organisations WHERE kind = 'administration'",
  );
  return new Set(rows.map((r) => r.identifier));
}

/**
 * Loads the country's procedure files into the catalogue: a version not yet known is added; a
 * known version is left alone (versions are immutable; a change is a new version). Runs at start.
 */
export async function loadRepositoryProcedures(
  deps: Pick<EservicesDeps, 'database' | 'country' | 'clock'>,
  dir = defaultProceduresDir,
): Promise<{ loaded: number; known: number }> {
  const folder = join(dir, deps.country.code.toLowerCase());
  let files: string[];
  try {
    files = readdirSync(folder).filter((f) => f.endsWith('.json'));
  } catch {
    return { loaded: 0, known: 0 };
  }
  const owners = await administrations(deps.database);
  let loaded = 0;
  for (const file of files.sort()) {
    const raw = JSON.parse(readFileSync(join(folder, file), 'utf8')) as unknown;
    const checked = checkProcedure(raw, deps.country);
    if (!checked.ok)
      throw new Error(
        `procedures/${deps.country.code.toLowerCase()}/${file}: ${checked.problems.map((p) => `${p.pointer} ${p.message}`).join('; ')}`,
      );
    const p = checked.procedure;
    // A database seeded without this administration (tests with no registries) skips its procedures.
    if (owners.size && !owners.has(p.owner)) continue;
    const inserted = await deps.database.query(
      `INSERT INTO eservices_procedures (id, version, country, owner, definition, source, created_at, created_by)
       VALUES ($1, $2, $3, $4, $5, 'repository', $6, 'system:repository') ON CONFLICT (id, version) DO NOTHING RETURNING id`,
      [p.id, p.version, p.country, p.owner, JSON.stringify(p), deps.clock()],
    );
    loaded += inserted.length;
  }
  return { loaded, known: files.length - loaded };
}

export interface ProcedureRow {
  definition: ProcedureDefinition;
  source: string;
  createdAt: string;
}

export async function findProcedure(
  session: SqlSession,
  id: string,
  version?: number,
): Promise<ProcedureDefinition | undefined> {
  const [row] = await session.query<{ definition: ProcedureDefinition }>(
    version === undefined
      ? 'SELECT definition FROM eservices_procedures WHERE id = $1 ORDER BY version DESC LIMIT 1'
      : 'SELECT definition FROM eservices_procedures WHERE id = $1 AND version = $2',
    version === undefined ? [id] : [id, version],
  );
  return row?.definition;
}

export async function getProcedure(deps: Pick<EservicesDeps, 'database'>, id: string, version?: number) {
  const found = await findProcedure(deps.database, id, version);
  if (!found) throw notFound(`no procedure ${id}${version ? ` version ${version}` : ''}`);
  return found;
}

/** The public catalogue: the newest version of each procedure, optionally searched in any language. */
export async function listProcedures(
  deps: Pick<EservicesDeps, 'database' | 'country'>,
  query: { q?: string; category?: string },
): Promise<ProcedureDefinition[]> {
  const rows = await deps.database.query<{ definition: ProcedureDefinition }>(
    `SELECT DISTINCT ON (id) definition FROM eservices_procedures WHERE country = $1 ORDER BY id, version DESC`,
    [deps.country.code],
  );
  const words = (query.q ?? '')
    .toLocaleLowerCase()
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .split(/\s+/)
    .filter(Boolean);
  const fold = (s: string) => s.toLocaleLowerCase().normalize('NFD').replace(/\p{M}/gu, '');
  return rows
    .map((r) => r.definition)
    .filter((d) => !query.category || d.category === query.category)
    .filter((d) => {
      if (!words.length) return true;
      const text = fold([...Object.values(d.title), ...Object.values(d.summary), d.owner, d.id].join(' '));
      return words.every((w) => text.includes(w));
    });
}

export async function listProcedureVersions(deps: Pick<EservicesDeps, 'database'>, id: string) {
  const rows = await deps.database.query<{
    version: number;
    source: string;
    created_at: Date;
    created_by: string;
  }>(
    'SELECT version, source, created_at, created_by FROM eservices_procedures WHERE id = $1 ORDER BY version DESC',
    [id],
  );
  if (!rows.length) throw notFound(`no procedure ${id}`);
  return rows.map((r) => ({
    version: r.version,
    source: r.source,
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
  }));
}

/**
 * The operators' editor: a new version of a procedure (or a new procedure at version 1). The
 * version must follow the newest one, so two editors cannot overwrite each other.
 */
export async function publishProcedureVersion(
  deps: EservicesDeps,
  actor: Actor,
  id: string,
  body: unknown,
  origin?: RequestOrigin,
): Promise<ProcedureDefinition> {
  authorize(actor, canEditProcedures, undefined, 'edit procedures');
  const checked = checkProcedure(body, deps.country);
  if (!checked.ok) throw refused(checked.problems);
  const p = checked.procedure;
  if (p.id !== id) throw refused([{ pointer: '/id', message: `must be ${id}, as in the path` }]);
  await deps.database.transaction(async (tx) => {
    if (!(await administrations(tx)).has(p.owner))
      throw refused([{ pointer: '/owner', message: `${p.owner} is not an administration of the registry` }]);
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`procedure:${id}`]);
    const [newest] = await tx.query<{ version: number }>(
      'SELECT max(version) AS version FROM eservices_procedures WHERE id = $1',
      [id],
    );
    const expected = (newest?.version ?? 0) + 1;
    if (p.version !== expected)
      throw conflict(`version must be ${expected} (the newest is ${expected - 1}); reload and edit again`);
    await tx.query(
      `INSERT INTO eservices_procedures (id, version, country, owner, definition, source, created_at, created_by)
       VALUES ($1, $2, $3, $4, $5, 'editor', $6, $7)`,
      [p.id, p.version, p.country, p.owner, JSON.stringify(p), deps.clock(), `${actor.kind}:${actor.id}`],
    );
  });
  await deps.audit.record({
    actor,
    action: 'eservices.procedure.published',
    subject: { kind: 'procedure', id: `${p.id}@${p.version}` },
    outcome: 'success',
    details: { owner: p.owner, fee: p.fee },
    ...(origin ? { origin } : {}),
  });
  return p;
}
