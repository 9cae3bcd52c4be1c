import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  randomUUID,
} from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSigner, createVerifier, httpbis } from 'http-message-signatures';
import { request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../../../shared/countries/index.ts';
import { testEngines } from '../../platform/db/testing.ts';
import { createOutboundGuard, type OutboundGuard } from '../../platform/http/outbound.ts';
import { problemType } from '../../platform/http/problems.ts';
import { createKmsFromConfig } from '../../platform/kms.ts';
import { createTestApp, freePort, type TestApp } from '../../testing.ts';
import { seedDemoCountry } from '../registries/index.ts';
import { type EventDelivery, loadBridgeKey, startEventDelivery } from './index.ts';

const birth = 'SN/GOV/ANEC/etat-civil/birth.registered';
const schema = {
  type: 'object',
  required: ['nin', 'birthDate'],
  properties: { nin: { type: 'string', pattern: '^[0-9]{13}$' }, birthDate: { type: 'string' } },
  additionalProperties: false,
};

interface Webhook {
  server: Server;
  url: string;
  received: Array<{ path: string; headers: IncomingHttpHeaders; body: string }>;
  /** Status to answer for the next calls, in order; 200 once empty. A 3xx points to /hooks/moved. */
  failures: number[];
}

async function startWebhook(): Promise<Webhook> {
  const hook: Webhook = { server: createServer(), url: '', received: [], failures: [] };
  hook.server.on('request', (req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      hook.received.push({ path: req.url ?? '', headers: req.headers, body });
      const status = hook.failures.shift() ?? 200;
      res.writeHead(status, status >= 300 && status < 400 ? { location: '/hooks/moved' } : {}).end();
    });
  });
  await new Promise<void>((r) => hook.server.listen(0, '127.0.0.1', r));
  hook.url = `http://127.0.0.1:${(hook.server.address() as AddressInfo).port}/hooks/births`;
  return hook;
}

const until = async (check: () => boolean | Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.each(testEngines())('asynchronous exchange on the bridge on %s', (kind) => {
  let t: TestApp;
  let base: string;
  let hook: Webhook;
  let operator: string;
  const memberKeys: Record<string, string> = {};
  const keys: Record<string, KeyObject> = {};
  const subsystems: Record<string, string> = {};
  let eventTypeId: string;
  let pushSubscription: string;
  const workers: EventDelivery[] = [];
  let bridgeKey: Awaited<ReturnType<typeof loadBridgeKey>>;

  const api = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await undiciRequest(`${base}/v1${path}`, {
      method: method as 'GET',
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
  };

  /** A request signed by a subsystem (RFC 9421), as a member's system sends it. */
  async function signed(
    client: string,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ) {
    const raw = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { 'x-road-client': client, ...extra };
    if (raw) {
      headers['content-type'] = 'application/json';
      headers['content-digest'] = `sha-256=:${createHash('sha256').update(raw).digest('base64')}:`;
    }
    const code = client.split('/')[2] ?? '';
    const signedMessage = await httpbis.signMessage(
      {
        key: createSigner(keys[code] as KeyObject, 'ed25519', `${code}-1`),
        fields: ['@method', '@target-uri', 'x-road-client', ...(raw ? ['content-digest'] : [])],
        params: ['created', 'nonce', 'keyid', 'alg'],
        paramValues: { nonce: randomBytes(18).toString('base64url') },
      },
      { method, url: `${base}${path}`, headers },
    );
    const res = await undiciRequest(`${base}${path}`, {
      method,
      headers: signedMessage.headers as Record<string, string>,
      body: raw ?? null,
    });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
  }
  const publish = (
    payload: unknown,
    extra: Record<string, string> = { 'x-jokko-subject': '1000271828182' },
  ) => signed('SN/GOV/ANEC/etat-civil', 'POST', `/e1/${birth}`, payload, extra);
  const worker = (options = {}, webhooks: OutboundGuard = createOutboundGuard(t.config.bridge.webhooks)) => {
    const w = startEventDelivery(
      {
        database: t.db.database,
        bridgeKey: () => bridgeKey,
        clock: () => new Date(),
        webhooks,
      },
      { intervalMs: 20, retryBaseMs: 50, ...options },
    );
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // The webhook below listens on loopback, which webhooks may reach only when configured so.
    t = await createTestApp(kind, { PUBLIC_URL: base, BRIDGE_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32' });
    await seedDemoCountry(t.db.database, { profile: getCountryProfile('SN'), people: 10, seed: 'events' });
    await t.app.listen({ host: '127.0.0.1', port });
    bridgeKey = await loadBridgeKey(t.db.database, createKmsFromConfig(t.config.kms), new Date());
    hook = await startWebhook();
    operator = await t.keyFor({ kind: 'operator', roles: ['bridge:admin'] });
    const orgs = await t.db.database.query<{ id: string; identifier: string }>(
      "SELECT id, identifier FROM organisations WHERE identifier IN ('ANEC', 'CSS', 'BTERANGA')",
    );
    for (const [org, code] of [
      ['ANEC', 'etat-civil'],
      ['CSS', 'prestations'],
      ['BTERANGA', 'kyc'],
    ] as const) {
      const organisationId = orgs.find((o) => o.identifier === org)?.id ?? '';
      memberKeys[org] = await t.keyFor({ kind: 'partner', roles: ['bridge:member'], organisationId });
      const pair = generateKeyPairSync('ed25519');
      keys[org] = pair.privateKey;
      const member = await api('POST', '/bridge/members', memberKeys[org] ?? '', {
        organisation: org,
        subsystems: [
          {
            code,
            keys: [
              { keyid: `${org}-1`, alg: 'ed25519', publicKeyJwk: pair.publicKey.export({ format: 'jwk' }) },
            ],
          },
        ],
      });
      expect(member.status).toBe(201);
      await api('POST', `/bridge/members/${member.body.id}/decision`, operator, { decision: 'approve' });
      subsystems[org] = member.body.subsystems[0].id;
    }
    const type = await api('POST', '/bridge/event-types', memberKeys.ANEC ?? '', {
      subsystemId: subsystems.ANEC,
      code: 'birth.registered',
      title: 'Naissance enregistrée',
      schema,
      personalData: true,
    });
    expect(type.status).toBe(201);
    expect(type.body.eventType).toBe(birth);
    eventTypeId = type.body.id;
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await t.dispose();
    hook.server.close();
  });

  it('refuses a webhook URL that names an internal host not allowed by the configuration (SSRF)', async () => {
    const port = new URL(hook.url).port;
    for (const [webhookUrl, reason] of [
      [`http://127.0.0.2:${port}/hooks/births`, 'loopback'],
      [`http://[::1]:${port}/hooks/births`, 'loopback'],
      [`http://[::ffff:127.0.0.2]:${port}/hooks/births`, 'loopback'],
      ['http://169.254.169.254/latest/meta-data/', 'link-local'],
      ['http://10.0.0.5:5432/', 'private'],
      ['http://100.64.0.1/', 'shared'],
      ['http://[fd00::1]/', 'unique-local'],
    ]) {
      const refused = await api('POST', '/bridge/subscriptions', memberKeys.CSS ?? '', {
        eventTypeId,
        subscriberSubsystemId: subsystems.CSS,
        mode: 'push',
        webhookUrl,
      });
      expect({ webhookUrl, status: refused.status, reason: refused.body.reason }).toEqual({
        webhookUrl,
        status: 400,
        reason,
      });
      expect(refused.body.type).toBe(problemType('validation-failed'));
      expect(refused.body.errors[0]).toMatchObject({ pointer: '/webhookUrl' });
      expect(refused.body.detail).toMatch(/^webhook refused: the host resolves to an? [a-z-]+/);
    }
    const rows = await t.db.database.query('SELECT 1 FROM bridge_subscriptions');
    expect(rows).toEqual([]);
  });

  it('delivers nothing until the publisher approves a subscription (deny by default)', async () => {
    const sub = await api('POST', '/bridge/subscriptions', memberKeys.CSS ?? '', {
      eventTypeId,
      subscriberSubsystemId: subsystems.CSS,
      mode: 'push',
      webhookUrl: hook.url,
    });
    expect(sub.status).toBe(201);
    expect(sub.body.status).toBe('requested');
    pushSubscription = sub.body.id;
    const before = await publish({ nin: '1000271828182', birthDate: '2026-11-20' });
    expect(before.status).toBe(202);
    expect(before.body.deliveries).toBe(0);
    const bySubscriber = await api(
      'POST',
      `/bridge/subscriptions/${pushSubscription}/decision`,
      memberKeys.CSS ?? '',
      {
        decision: 'approve',
      },
    );
    expect(bySubscriber.status).toBe(403);
    const approved = await api(
      'POST',
      `/bridge/subscriptions/${pushSubscription}/decision`,
      memberKeys.ANEC ?? '',
      {
        decision: 'approve',
      },
    );
    expect(approved.body.status).toBe('active');
  });

  it('pushes a published event to the webhook, signed by the bridge', async () => {
    worker();
    const published = await publish({ nin: '2000272828185', birthDate: '2026-11-21' });
    expect(published.status).toBe(202);
    expect(published.body.deliveries).toBe(1);
    await until(() => hook.received.some((r) => r.headers['x-road-event-id'] === published.body.id));
    const got = hook.received.find((r) => r.headers['x-road-event-id'] === published.body.id);
    expect(JSON.parse(got?.body ?? '{}')).toMatchObject({
      id: published.body.id,
      type: birth,
      publisher: 'SN/GOV/ANEC/etat-civil',
      subject: '1000271828182',
      data: { nin: '2000272828185', birthDate: '2026-11-21' },
    });
    expect(hook.received.filter((r) => JSON.parse(r.body).data.birthDate === '2026-11-20')).toEqual([]);
    // The subscriber checks the bridge's signature with the published key.
    const jwks = (await api('GET', '/bridge/keys', operator)).body.keys as Array<Record<string, unknown>>;
    const flat = Object.fromEntries(
      Object.entries(got?.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
    );
    const verified = await httpbis.verifyMessage(
      {
        keyLookup: async (p) => {
          const jwk = jwks.find((k) => k.kid === p.keyid);
          return jwk
            ? {
                id: String(p.keyid),
                algs: ['ed25519'],
                verify: createVerifier(createPublicKey({ key: jwk as never, format: 'jwk' }), 'ed25519'),
              }
            : null;
        },
        requiredFields: ['@method', '@target-uri', 'content-digest', 'x-road-event-id'],
      },
      { method: 'POST', url: hook.url, headers: flat },
    );
    expect(verified).toBe(true);
    expect(flat['content-digest']).toBe(
      `sha-256=:${createHash('sha256')
        .update(got?.body ?? '')
        .digest('base64')}:`,
    );
  });

  it('checks the webhook again at every delivery: refused where loopback is not allowed, delivered where it is', async () => {
    for (const w of workers.splice(0)) await w.stop();
    const strict = worker({}, createOutboundGuard({ allowHttp: true, allowedNetworks: [] }));
    const published = await publish({ nin: '2000273828188', birthDate: '2026-11-26' });
    const delivery = async () =>
      (
        await t.db.database.query<{ status: string; last_error: string | null }>(
          'SELECT status, last_error FROM bridge_deliveries WHERE event_id = $1',
          [published.body.id],
        )
      )[0];
    await until(async () => (await delivery())?.last_error != null);
    await strict.stop();
    workers.splice(workers.indexOf(strict), 1);
    expect(await delivery()).toMatchObject({
      status: 'pending',
      last_error: 'webhook refused: the host resolves to a loopback address',
    });
    expect(hook.received.some((r) => r.headers['x-road-event-id'] === published.body.id)).toBe(false);
    worker();
    await until(async () => (await delivery())?.status === 'delivered');
    expect(hook.received.filter((r) => r.headers['x-road-event-id'] === published.body.id).length).toBe(1);
  });

  it('refuses a payload that breaks the schema, a foreign event type and a missing subject', async () => {
    const bad = await publish({ nin: '12', birthDate: '2026-11-21', extra: true });
    expect(bad.status).toBe(400);
    expect(bad.body.type).toBe(problemType('validation-failed'));
    expect((bad.body.errors as Array<{ pointer: string }>).map((e) => e.pointer)).toContain('/nin');
    const foreign = await signed('SN/GOV/CSS/prestations', 'POST', `/e1/${birth}`, {
      nin: '1',
      birthDate: 'x',
    });
    expect(foreign.status).toBe(403);
    const noSubject = await publish({ nin: '2000272828185', birthDate: '2026-11-21' }, {});
    expect(noSubject.status).toBe(400);
  });

  it('retries a failing webhook with backoff, follows no redirect, and delivers once it answers', async () => {
    hook.failures.push(500, 307);
    const published = await publish({ nin: '1000274828191', birthDate: '2026-11-22' });
    await until(async () => {
      const [d] = await t.db.database.query<{ status: string }>(
        'SELECT status FROM bridge_deliveries WHERE event_id = $1',
        [published.body.id],
      );
      return d?.status === 'delivered';
    });
    const calls = hook.received.filter((r) => r.headers['x-road-event-id'] === published.body.id);
    expect(calls.map((c) => c.path)).toEqual(['/hooks/births', '/hooks/births', '/hooks/births']);
    const [row] = await t.db.database.query<{ attempts: number }>(
      'SELECT attempts FROM bridge_deliveries WHERE event_id = $1',
      [published.body.id],
    );
    expect(row?.attempts).toBe(3);
  });

  it('publishes once when the publisher retries with the same event id', async () => {
    const eventId = randomUUID();
    const headers = { 'x-jokko-subject': '1000271828182', 'x-road-event-id': eventId };
    const first = await publish({ nin: '2000275828194', birthDate: '2026-11-23' }, headers);
    const again = await publish({ nin: '2000275828194', birthDate: '2026-11-23' }, headers);
    expect([first.status, again.status]).toEqual([202, 200]);
    expect(again.body.duplicate).toBe(true);
    const rows = await t.db.database.query('SELECT 1 FROM bridge_deliveries WHERE event_id = $1', [eventId]);
    expect(rows.length).toBe(1);
  });

  it('lets a subscriber pull, hides leased events, and stops returning acknowledged ones', async () => {
    const sub = await api('POST', '/bridge/subscriptions', memberKeys.BTERANGA ?? '', {
      eventTypeId,
      subscriberSubsystemId: subsystems.BTERANGA,
      mode: 'pull',
    });
    await api('POST', `/bridge/subscriptions/${sub.body.id}/decision`, operator, { decision: 'approve' });
    const published = await publish({ nin: '1000271828182', birthDate: '2026-11-24' });
    const pulled = await signed(
      'SN/COM/BTERANGA/kyc',
      'GET',
      `/e1/subscriptions/${sub.body.id}/events?max=10`,
    );
    expect(pulled.status).toBe(200);
    expect((pulled.body.events as Array<{ id: string }>).map((e) => e.id)).toEqual([published.body.id]);
    const leased = await signed('SN/COM/BTERANGA/kyc', 'GET', `/e1/subscriptions/${sub.body.id}/events`);
    expect(leased.body.events).toEqual([]);
    const stranger = await signed('SN/GOV/CSS/prestations', 'GET', `/e1/subscriptions/${sub.body.id}/events`);
    expect(stranger.status).toBe(404);
    const ack = await signed('SN/COM/BTERANGA/kyc', 'POST', `/e1/subscriptions/${sub.body.id}/ack`, {
      ids: [published.body.id],
    });
    expect(ack.body.acknowledged).toBe(1);
    const [row] = await t.db.database.query<{ status: string }>(
      'SELECT status FROM bridge_deliveries WHERE event_id = $1 AND subscription_id = $2',
      [published.body.id, sub.body.id],
    );
    expect(row?.status).toBe('delivered');
  });

  it('keeps undelivered events across a restart of the workers, and two workers deliver each event once', async () => {
    for (const w of workers.splice(0)) await w.stop();
    const before = hook.received.length;
    const ids: string[] = [];
    for (let i = 0; i < 20; i++)
      ids.push(String((await publish({ nin: '1000271828182', birthDate: `2026-10-${10 + i}` })).body.id));
    await new Promise((r) => setTimeout(r, 200));
    expect(hook.received.length).toBe(before);
    worker();
    worker();
    await until(() => ids.every((id) => hook.received.some((r) => r.headers['x-road-event-id'] === id)));
    await new Promise((r) => setTimeout(r, 200));
    for (const id of ids)
      expect(hook.received.filter((r) => r.headers['x-road-event-id'] === id).length).toBe(1);
  });

  it('a cancelled subscription receives nothing more', async () => {
    const cancelled = await api(
      'POST',
      `/bridge/subscriptions/${pushSubscription}/decision`,
      memberKeys.CSS ?? '',
      {
        decision: 'cancel',
      },
    );
    expect(cancelled.body.status).toBe('cancelled');
    const published = await publish({ nin: '1000271828182', birthDate: '2026-11-25' });
    expect(published.body.deliveries).toBe(1); // the bank's pull subscription only
    await new Promise((r) => setTimeout(r, 200));
    expect(hook.received.some((r) => r.headers['x-road-event-id'] === published.body.id)).toBe(false);
  });
});
