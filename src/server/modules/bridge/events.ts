import { randomUUID } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import type { Actor, RequestOrigin } from '../../platform/actor.ts';
import type { Database } from '../../platform/db/database.ts';
import { OutboundRefused } from '../../platform/http/outbound.ts';
import { conflict, invalidInput, notFound, Problem } from '../../platform/http/problems.ts';
import { authorize } from '../../platform/policy.ts';
import { type CatalogueDeps, subsystemOwner } from './catalogue.ts';
import { isSegment } from './identifiers.ts';
import { canManageMember, canReadCatalogue } from './policies.ts';
import { sha256 } from './signing.ts';
import type { SubsystemView } from './snapshot.ts';

/**
 * Publish/subscribe between members: a provider declares an event type with a JSON Schema
 * (`SN/GOV/ANEC/etat-civil/birth.registered`), subscribers ask for it and the provider approves,
 * and each published event gets one delivery row per active subscription, written in the same
 * transaction as the event, so nothing published is lost and every node can deliver it.
 */

const invalid = (pointer: string, detail: string) => invalidInput('body', pointer, detail);

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<string, ValidateFunction>();
function validatorFor(eventTypeId: string, schema: object): ValidateFunction {
  let validate = validators.get(eventTypeId);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(eventTypeId, validate);
  }
  return validate;
}

export interface EventTypeInfo {
  id: string;
  eventType: string;
  title: string;
  publisher: string;
  personalData: boolean;
  schema: Record<string, unknown>;
}

interface EventTypeRow {
  id: string;
  code: string;
  title: string;
  schema: Record<string, unknown>;
  personal_data: boolean;
  subsystem_id: string;
  organisation_id: string;
  client_id: string;
}

const eventTypeSelect = `SELECT t.id, t.code, t.title, t.schema, t.personal_data, t.subsystem_id, m.organisation_id,
       m.instance || '/' || m.member_class || '/' || m.member_code || '/' || s.code AS client_id
  FROM bridge_event_types t JOIN bridge_subsystems s ON s.id = t.subsystem_id JOIN bridge_members m ON m.id = s.member_id`;

const info = (r: EventTypeRow): EventTypeInfo => ({
  id: r.id,
  eventType: `${r.client_id}/${r.code}`,
  title: r.title,
  publisher: r.client_id,
  personalData: r.personal_data,
  schema: r.schema,
});

async function eventTypeRow(database: Database, id: string): Promise<EventTypeRow> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound(`No event type ${id}`);
  const [row] = await database.query<EventTypeRow>(`${eventTypeSelect} WHERE t.id = $1`, [id]);
  if (!row) throw notFound(`No event type ${id}`);
  return row;
}

export async function registerEventType(
  deps: CatalogueDeps,
  actor: Actor,
  input: {
    subsystemId: string;
    code: string;
    title: string;
    schema: Record<string, unknown>;
    personalData: boolean;
  },
  origin?: RequestOrigin,
): Promise<EventTypeInfo> {
  const owner = await subsystemOwner(deps.database, input.subsystemId);
  authorize(actor, canManageMember, owner.organisation_id, 'declare event types for this subsystem');
  if (!isSegment(input.code)) throw invalid('/code', 'letters, digits, dot, dash and underscore only');
  try {
    ajv.compile(input.schema);
  } catch (err) {
    throw invalid('/schema', `not a usable JSON Schema: ${(err as Error).message}`);
  }
  const id = randomUUID();
  const clash = await deps.database.query(
    'SELECT 1 FROM bridge_event_types WHERE subsystem_id = $1 AND code = $2',
    [input.subsystemId, input.code],
  );
  if (clash.length) throw conflict(`The event type ${input.code} already exists`);
  await deps.database.query(
    `INSERT INTO bridge_event_types (id, subsystem_id, code, title, schema, personal_data, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      id,
      input.subsystemId,
      input.code,
      input.title,
      JSON.stringify(input.schema),
      input.personalData,
      deps.clock(),
    ],
  );
  const created = info(await eventTypeRow(deps.database, id));
  await deps.audit.record({
    actor,
    action: 'bridge.event-type.registered',
    subject: { kind: 'bridge-event-type', id: created.eventType },
    outcome: 'success',
    ...(origin ? { origin } : {}),
  });
  return created;
}

export async function listEventTypes(deps: CatalogueDeps, actor: Actor): Promise<EventTypeInfo[]> {
  authorize(actor, canReadCatalogue, undefined, 'read the bridge catalogue');
  const rows = await deps.database.query<EventTypeRow>(
    `${eventTypeSelect} WHERE m.status = 'active' ORDER BY 8, t.code`,
  );
  return rows.map(info);
}

export interface SubscriptionInfo {
  id: string;
  eventType: string;
  subscriber: string;
  mode: 'push' | 'pull';
  webhookUrl: string | null;
  status: string;
  createdAt: string;
}

async function subscriptionRow(database: Database, id: string) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound(`No subscription ${id}`);
  const [row] = await database.query<{
    id: string;
    event_type_id: string;
    subscriber_subsystem_id: string;
    mode: 'push' | 'pull';
    webhook_url: string | null;
    status: string;
    created_at: Date;
  }>('SELECT * FROM bridge_subscriptions WHERE id = $1', [id]);
  if (!row) throw notFound(`No subscription ${id}`);
  const type = await eventTypeRow(database, row.event_type_id);
  const subscriber = await subsystemOwner(database, row.subscriber_subsystem_id);
  return {
    row,
    type,
    subscriber,
    info: {
      id: row.id,
      eventType: `${type.client_id}/${type.code}`,
      subscriber: subscriber.client_id,
      mode: row.mode,
      webhookUrl: row.webhook_url,
      status: row.status,
      createdAt: new Date(row.created_at).toISOString(),
    } satisfies SubscriptionInfo,
  };
}

/** A subscriber asks for an event type; nothing is delivered until the publisher approves. */
export async function requestSubscription(
  deps: CatalogueDeps,
  actor: Actor,
  input: { eventTypeId: string; subscriberSubsystemId: string; mode: 'push' | 'pull'; webhookUrl?: string },
  origin?: RequestOrigin,
): Promise<SubscriptionInfo> {
  const subscriber = await subsystemOwner(deps.database, input.subscriberSubsystemId);
  authorize(actor, canManageMember, subscriber.organisation_id, 'subscribe for this subsystem');
  await eventTypeRow(deps.database, input.eventTypeId);
  if ((input.mode === 'push') !== (input.webhookUrl !== undefined))
    throw invalid('/webhookUrl', 'a push subscription needs a webhook URL, a pull subscription none');
  if (input.webhookUrl) {
    let url: URL;
    try {
      url = new URL(input.webhookUrl);
    } catch {
      throw invalid('/webhookUrl', 'not a URL');
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.hash)
      throw invalid('/webhookUrl', 'an http(s) URL without credentials or fragment');
    // Checked again at every delivery: the host's addresses may change after the approval.
    try {
      await deps.webhooks.check(url);
    } catch (err) {
      if (!(err instanceof OutboundRefused)) throw err;
      const detail = `webhook refused: ${err.message}`;
      throw new Problem('validation-failed', detail, {
        errors: [{ in: 'body', pointer: '/webhookUrl', detail }],
        reason: err.reason,
      });
    }
  }
  const [existing] = await deps.database.query<{ id: string; status: string }>(
    'SELECT id, status FROM bridge_subscriptions WHERE event_type_id = $1 AND subscriber_subsystem_id = $2',
    [input.eventTypeId, input.subscriberSubsystemId],
  );
  if (existing && (existing.status === 'requested' || existing.status === 'active'))
    throw conflict('This subsystem already subscribes to the event type');
  // A refused or cancelled subscription is asked for again in place (one row per pair).
  const id = existing?.id ?? randomUUID();
  if (existing)
    await deps.database.query(
      `UPDATE bridge_subscriptions SET mode = $2, webhook_url = $3, status = 'requested', created_at = $4,
              decided_at = NULL, decided_by = NULL WHERE id = $1`,
      [id, input.mode, input.webhookUrl ?? null, deps.clock()],
    );
  else
    await deps.database.query(
      `INSERT INTO bridge_subscriptions (id, event_type_id, subscriber_subsystem_id, mode, webhook_url, status, created_at)
       VALUES ($1, $2, $3, $4, $5, 'requested', $6)`,
      [
        id,
        input.eventTypeId,
        input.subscriberSubsystemId,
        input.mode,
        input.webhookUrl ?? null,
        deps.clock(),
      ],
    );
  const { info: created } = await subscriptionRow(deps.database, id);
  await deps.audit.record({
    actor,
    action: 'bridge.subscription.requested',
    subject: { kind: 'bridge-subscription', id },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { eventType: created.eventType, subscriber: created.subscriber, mode: created.mode },
  });
  return created;
}

/** The publisher (or an operator) approves or refuses; either side may cancel. */
export async function decideSubscription(
  deps: CatalogueDeps,
  actor: Actor,
  id: string,
  decision: 'approve' | 'refuse' | 'cancel',
  origin?: RequestOrigin,
): Promise<SubscriptionInfo> {
  const { row, type, subscriber } = await subscriptionRow(deps.database, id);
  const publisherSide = canManageMember(actor, type.organisation_id);
  authorize(
    actor,
    () => publisherSide || (decision === 'cancel' && canManageMember(actor, subscriber.organisation_id)),
    undefined,
    `${decision} this subscription`,
  );
  const next = { approve: 'active', refuse: 'refused', cancel: 'cancelled' }[decision];
  const allowedFrom = decision === 'cancel' ? ['requested', 'active'] : ['requested'];
  if (!allowedFrom.includes(row.status))
    throw conflict(`A ${row.status} subscription cannot be ${decision}d`);
  await deps.database.query(
    'UPDATE bridge_subscriptions SET status = $2, decided_at = $3, decided_by = $4 WHERE id = $1',
    [id, next, deps.clock(), `${actor.kind}:${actor.id}`],
  );
  if (decision === 'cancel')
    await deps.database.query(
      "UPDATE bridge_deliveries SET status = 'dead', last_error = 'subscription cancelled' WHERE subscription_id = $1 AND status IN ('pending', 'leased')",
      [id],
    );
  await deps.audit.record({
    actor,
    action: `bridge.subscription.${decision}`,
    subject: { kind: 'bridge-subscription', id },
    outcome: 'success',
    ...(origin ? { origin } : {}),
  });
  return (await subscriptionRow(deps.database, id)).info;
}

export async function listSubscriptions(deps: CatalogueDeps, actor: Actor, subsystemId: string) {
  const owner = await subsystemOwner(deps.database, subsystemId);
  authorize(actor, canManageMember, owner.organisation_id, 'read the subscriptions of this subsystem');
  const rows = await deps.database.query<{ id: string }>(
    `SELECT b.id FROM bridge_subscriptions b JOIN bridge_event_types t ON t.id = b.event_type_id
      WHERE b.subscriber_subsystem_id = $1 OR t.subsystem_id = $1 ORDER BY b.created_at`,
    [subsystemId],
  );
  const all = await Promise.all(rows.map(async (r) => (await subscriptionRow(deps.database, r.id)).info));
  return {
    held: all.filter((s) => s.subscriber === owner.client_id),
    granted: all.filter((s) => s.subscriber !== owner.client_id),
  };
}

export interface PublishedEvent {
  id: string;
  type: string;
  publisher: string;
  subject: string | null;
  publishedAt: string;
  data: unknown;
}

/**
 * Publishes one event from an authenticated publisher subsystem: the payload must satisfy the
 * event type's schema; the event and its deliveries commit together.
 */
export async function publishEvent(
  database: Database,
  publisher: SubsystemView,
  input: { eventCode: string; payload: unknown; subject: string | null; eventId?: string },
  now: Date,
): Promise<{ id: string; deliveries: number; duplicate: boolean }> {
  const [type] = await database.query<EventTypeRow>(
    `${eventTypeSelect} WHERE t.subsystem_id = $1 AND t.code = $2`,
    [publisher.id, input.eventCode],
  );
  if (!type)
    throw new Problem(
      'bridge-unknown-service',
      `${publisher.clientId} declares no event type ${input.eventCode}`,
    );
  const validate = validatorFor(type.id, type.schema);
  if (!validate(input.payload))
    throw new Problem('validation-failed', 'The event does not match its schema', {
      errors: (validate.errors ?? []).map((e) => ({
        in: 'body',
        pointer: e.instancePath || '/',
        detail: e.message ?? 'invalid',
      })),
    });
  if (type.personal_data && !input.subject)
    throw new Problem(
      'validation-failed',
      'This event type carries personal data: name the citizen in X-Jokko-Subject',
    );
  const id = input.eventId ?? randomUUID();
  const json = JSON.stringify(input.payload);
  return database.transaction(async (session) => {
    // A publisher that retries with the same event id publishes once.
    const inserted = await session.query(
      `INSERT INTO bridge_events (id, event_type_id, publisher, subject, payload, payload_hash, published_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [id, type.id, publisher.clientId, input.subject, json, sha256(json).toString('hex'), now],
    );
    if (!inserted.length) return { id, deliveries: 0, duplicate: true };
    const deliveries = await session.query(
      `INSERT INTO bridge_deliveries (event_id, subscription_id, status, attempts, next_attempt_at)
       SELECT $1, id, 'pending', 0, $3 FROM bridge_subscriptions WHERE event_type_id = $2 AND status = 'active'
       RETURNING subscription_id`,
      [id, type.id, now],
    );
    return { id, deliveries: deliveries.length, duplicate: false };
  });
}

const eventsOf = async (database: Database, ids: string[]): Promise<PublishedEvent[]> => {
  if (!ids.length) return [];
  const rows = await database.query<{
    id: string;
    code: string;
    publisher: string;
    subject: string | null;
    payload: unknown;
    published_at: Date;
  }>(
    `SELECT e.id, t.code, e.publisher, e.subject, e.payload, e.published_at FROM bridge_events e
       JOIN bridge_event_types t ON t.id = e.event_type_id WHERE e.id = ANY($1::uuid[]) ORDER BY e.published_at, e.id`,
    [ids],
  );
  return rows.map((r) => ({
    id: r.id,
    type: `${r.publisher}/${r.code}`,
    publisher: r.publisher,
    subject: r.subject,
    publishedAt: new Date(r.published_at).toISOString(),
    data: r.payload,
  }));
};

async function pullSubscription(database: Database, subscriber: SubsystemView, subscriptionId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(subscriptionId)) throw notFound(`No subscription ${subscriptionId}`);
  const [row] = await database.query<{ mode: string; status: string; subscriber_subsystem_id: string }>(
    'SELECT mode, status, subscriber_subsystem_id FROM bridge_subscriptions WHERE id = $1',
    [subscriptionId],
  );
  if (!row || row.subscriber_subsystem_id !== subscriber.id)
    throw notFound(`No subscription ${subscriptionId}`);
  if (row.mode !== 'pull') throw new Problem('conflict', 'This is a push subscription');
  if (row.status !== 'active') throw new Problem('bridge-access-denied', `The subscription is ${row.status}`);
}

/**
 * Pull with acknowledgement: due events are leased to the puller for `leaseSeconds`; what is not
 * acknowledged in time comes back in a later pull (at-least-once).
 */
export async function pullEvents(
  database: Database,
  subscriber: SubsystemView,
  subscriptionId: string,
  max: number,
  now: Date,
  leaseSeconds = 60,
): Promise<PublishedEvent[]> {
  await pullSubscription(database, subscriber, subscriptionId);
  const leased = await database.query<{ event_id: string }>(
    `UPDATE bridge_deliveries SET status = 'leased', leased_until = $3, attempts = attempts + 1
      WHERE subscription_id = $1 AND event_id IN (
        SELECT event_id FROM bridge_deliveries
         WHERE subscription_id = $1 AND ((status = 'pending' AND next_attempt_at <= $4) OR (status = 'leased' AND leased_until < $4))
         ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
      RETURNING event_id`,
    [subscriptionId, max, new Date(now.getTime() + leaseSeconds * 1000), now],
  );
  return eventsOf(
    database,
    leased.map((r) => r.event_id),
  );
}

export async function acknowledgeEvents(
  database: Database,
  subscriber: SubsystemView,
  subscriptionId: string,
  eventIds: string[],
  now: Date,
): Promise<number> {
  await pullSubscription(database, subscriber, subscriptionId);
  const valid = eventIds.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  if (!valid.length) return 0;
  const rows = await database.query(
    `UPDATE bridge_deliveries SET status = 'delivered', delivered_at = $3, leased_until = NULL
      WHERE subscription_id = $1 AND event_id = ANY($2::uuid[]) AND status IN ('pending', 'leased') RETURNING event_id`,
    [subscriptionId, valid, now],
  );
  return rows.length;
}

export { eventsOf };
