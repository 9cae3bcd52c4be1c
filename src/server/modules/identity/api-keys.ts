import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { customType, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { Actor, ActorKind } from '../../platform/actor.ts';
import type { Db } from '../../platform/db/database.ts';

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

export const apiKeys = pgTable('api_keys', {
  id: uuid('id').primaryKey(),
  label: text('label').notNull(),
  actorKind: text('actor_kind').notNull(),
  actorId: text('actor_id').notNull(),
  roles: text('roles').array().notNull(),
  organisationId: uuid('organisation_id'),
  tokenHash: bytea('token_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

const keyPrefix = 'jk_';
const keyShape = /^jk_[A-Za-z0-9_-]{43}$/;

const hashKey = (key: string): Buffer => createHash('sha256').update(key).digest();

export interface NewApiKey {
  label: string;
  actor: Omit<Actor, 'roles'> & { roles: string[] };
  expiresAt?: Date;
}

/** Creates a key and returns it once; only its hash is kept. */
export async function createApiKey(db: Db, input: NewApiKey): Promise<{ id: string; key: string }> {
  const key = `${keyPrefix}${randomBytes(32).toString('base64url')}`;
  const id = randomUUID();
  await db.insert(apiKeys).values({
    id,
    label: input.label,
    actorKind: input.actor.kind,
    actorId: input.actor.id,
    roles: input.actor.roles,
    organisationId: input.actor.organisationId ?? null,
    tokenHash: hashKey(key),
    expiresAt: input.expiresAt ?? null,
  });
  return { id, key };
}

/** The actor a bearer key stands for, or undefined for unknown, revoked or expired keys. */
export async function authenticateApiKey(db: Db, key: string, now: Date): Promise<Actor | undefined> {
  if (!keyShape.test(key)) return undefined;
  const digest = hashKey(key);
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.tokenHash, digest), isNull(apiKeys.revokedAt)))
    .limit(1);
  // The lookup is by hash, so timing reveals nothing about the key; compare anyway as defence in depth.
  if (!row || !timingSafeEqual(row.tokenHash, digest)) return undefined;
  if (row.expiresAt && row.expiresAt <= now) return undefined;
  return {
    kind: row.actorKind as ActorKind,
    id: row.actorId,
    roles: row.roles,
    ...(row.organisationId ? { organisationId: row.organisationId } : {}),
  };
}

export async function revokeApiKey(db: Db, id: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(eq(apiKeys.id, id))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}
