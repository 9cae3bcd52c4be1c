import { randomUUID } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { request as undiciRequest } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../../../shared/countries/index.ts';
import { type Database, openDatabase } from '../../platform/db/database.ts';
import { testEngines } from '../../platform/db/testing.ts';
import { problemType } from '../../platform/http/problems.ts';
import { createTestApp, freePort, type TestApp } from '../../testing.ts';
import { createAuditLog } from '../audit/index.ts';
import {
  accessTokenFor,
  createAccount,
  registerConfidentialTwin,
  superAppClientId,
} from '../identity/index.ts';
import { listPeople, seedDemoCountry } from '../registries/index.ts';
import {
  type ApplicationStatusPayload,
  applicationStatuses,
  createSmtpEmailSender,
  type EmailSender,
  LoggingSmsProvider,
  type NotifyDelivery,
  type NotifyDeliveryOptions,
  notifyCitizen,
  PermanentDeliveryError,
  renderableTemplates,
  renderMessage,
  retryDelayMs,
  type SmsProvider,
  startNotifyDelivery,
} from './index.ts';

const password = 'Baobab-sous-la-pluie-2026';
const secret = 'a-long-random-secret-for-the-super-app-0123456789';
const approved: ApplicationStatusPayload = {
  reference: 'SN-2026-000123',
  procedure: {
    id: 'birth-certificate',
    title: { fr: 'Extrait de naissance', wo: 'Kayitu juddu', en: 'Birth certificate' },
  },
  status: 'approved',
  message: 'Retirez-le à la mairie de Dakar-Plateau.',
  applicationId: randomUUID(),
};

/** A real SMTP server on loopback that keeps what it receives and refuses recipients on demand. */
async function startSmtp(port: number) {
  const received: Array<{ raw: string; to: string[] }> = [];
  let refuse: { code: number; text: string } | undefined;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (refuse) return callback(Object.assign(new Error(refuse.text), { responseCode: refuse.code }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          raw: Buffer.concat(chunks).toString('latin1'),
          to: session.envelope.rcptTo.map((r) => r.address),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return {
    port,
    received,
    refuse(code?: number) {
      refuse = code ? { code, text: code >= 500 ? 'No such user here' : 'Try again later' } : undefined;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The decoded subject, body and a few headers of a raw message, enough to read what a citizen reads. */
function parseMail(raw: string) {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
  const bytes = (s: string) => Buffer.from(s, 'latin1');
  const qp = (s: string) =>
    bytes(
      s
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(Number.parseInt(h, 16))),
    );
  const subject = header('Subject')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
      (enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : qp(text.replace(/_/g, ' '))).toString(
        'utf8',
      ),
    );
  const body = raw.slice(split + 4);
  const encoding = header('Content-Transfer-Encoding').toLowerCase();
  const text = (
    encoding === 'base64'
      ? Buffer.from(body, 'base64')
      : encoding === 'quoted-printable'
        ? qp(body)
        : bytes(body)
  ).toString('utf8');
  return { subject, text, messageId: header('Message-ID'), language: header('Content-Language') };
}

/** Records what it is asked to send; fails while `failing` is set. */
function fakeSms() {
  const sent: Array<{ to: string; text: string; id: string }> = [];
  const provider: SmsProvider & { failing: Error | undefined } = {
    failing: undefined,
    async send(to, text, context) {
      if (provider.failing) throw provider.failing;
      sent.push({ to, text, id: context.id });
    },
  };
  return { sent, provider };
}

const noEmail: EmailSender = {
  send: async () => {
    throw new Error('no e-mail expected here');
  },
  close() {},
};

describe.each(testEngines())('notify: the outbox reaches citizens in their language, on %s', (kind) => {
  let t: TestApp;
  let database: Database;
  let base: string;
  let partnerKey: string;
  const nins: string[] = [];
  const tokens: string[] = [];
  const workers: Array<{ worker: NotifyDelivery; email?: EmailSender }> = [];
  let now = new Date();
  const clock = () => now;
  const later = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };

  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await undiciRequest(`${base}/v1${path}`, {
      method: method as 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
  };
  const worker = (options: Partial<NotifyDeliveryOptions> & Pick<NotifyDeliveryOptions, 'transport'>) => {
    // The loop sleeps an hour: each test drives passes itself with deliverDue.
    const w = startNotifyDelivery({
      database,
      clock,
      pollMs: 3_600_000,
      onError: (err) => {
        throw err;
      },
      ...options,
    });
    workers.push({ worker: w, email: options.transport.email });
    return w;
  };
  const setContact = (nin: string, contact: { email?: string; phone?: string; language: string }) =>
    database.query(
      `INSERT INTO notify_contacts (nin, email, phone, language, updated_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (nin) DO UPDATE SET email = EXCLUDED.email, phone = EXCLUDED.phone, language = EXCLUDED.language`,
      [nin, contact.email ?? null, contact.phone ?? null, contact.language],
    );
  const notify = (nin: string, payload: ApplicationStatusPayload = approved) =>
    database.transaction((session) =>
      notifyCitizen(session, { nin, template: 'application-status', payload, defaultLanguage: 'fr' }),
    );
  const outbox = () =>
    database.query<{
      id: string;
      channel: string;
      recipient: string;
      template: string;
      payload: Record<string, unknown>;
      attempts: number;
      next_attempt_at: Date | null;
      last_error: string | null;
      sent_at: Date | null;
      failed_at: Date | null;
    }>('SELECT * FROM notify_outbox ORDER BY channel');

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp(kind, { PUBLIC_URL: base });
    database = t.db.database;
    await seedDemoCountry(database, { profile: getCountryProfile('SN'), people: 30, seed: 'notify' });
    await t.app.listen({ host: '127.0.0.1', port });
    const adults = (
      await listPeople(
        { database, audit: createAuditLog(database), country: getCountryProfile('SN') },
        { kind: 'system', id: 'test', roles: ['*'] },
        { limit: 30 },
      )
    ).people.filter((p) => !p.deathDate && p.birthDate < '2006-01-01');
    for (const p of adults.slice(0, 2)) {
      nins.push(p.nin);
      await createAccount(database, p.nin, password);
    }
    const app = { clientId: superAppClientId, secret, redirectUri: 'https://app.jokko.example/cb' };
    await registerConfidentialTwin(database, app);
    for (const nin of nins) tokens.push(await accessTokenFor(base, app, { nin, password }));
    partnerKey = await t.keyFor({ kind: 'partner', roles: ['consent:request'] });
  });
  beforeEach(async () => {
    now = new Date();
    await database.query('DELETE FROM notify_outbox');
    await database.query('DELETE FROM notify_contacts');
  });
  afterEach(async () => {
    for (const { worker: w, email } of workers.splice(0)) {
      await w.stop();
      email?.close();
    }
  });
  afterAll(async () => t.dispose());

  it('notifyCitizen writes the inbox row always, e-mail and SMS rows only to the contacts the citizen gave', async () => {
    const [a, b] = nins as [string, string];
    await setContact(a, { email: 'awa@example.sn', phone: '+221771234567', language: 'wo' });
    await notify(a);
    await notify(b);
    const rows = await outbox();
    expect(rows.filter((r) => r.recipient === b || r.payload.language === 'fr')).toEqual([
      expect.objectContaining({ channel: 'push', recipient: b, template: 'application-status' }),
    ]);
    const mine = rows.filter((r) => r.payload.language === 'wo');
    expect(mine.map((r) => [r.channel, r.recipient])).toEqual([
      ['email', 'awa@example.sn'],
      ['push', a],
      ['sms', '+221771234567'],
    ]);
    for (const r of mine) expect(r.payload).toMatchObject({ ...approved, language: 'wo' });
    // Written in the caller's transaction: if the cause rolls back, so does the notice.
    await expect(
      database.transaction(async (session) => {
        await notifyCitizen(session, {
          nin: b,
          template: 'application-status',
          payload: approved,
          defaultLanguage: 'fr',
        });
        throw new Error('the cause failed');
      }),
    ).rejects.toThrow('the cause failed');
    expect(await outbox()).toHaveLength(4);
  });

  it('delivers the e-mail over SMTP and the SMS in the citizen’s language (Wolof), and marks the inbox row sent', async () => {
    const smtp = await startSmtp(await freePort());
    try {
      const sms = fakeSms();
      const w = worker({
        transport: {
          email: createSmtpEmailSender({
            url: `smtp://127.0.0.1:${smtp.port}`,
            from: 'Jokko <no-reply@jokko.test>',
          }),
          sms: sms.provider,
        },
      });
      await setContact(nins[0]!, { email: 'awa@example.sn', phone: '+221771234567', language: 'wo' });
      await notify(nins[0]!);
      expect(await w.deliverDue()).toBe(3);
      expect(await w.deliverDue()).toBe(0);

      const expected = renderMessage('application-status', approved, 'wo');
      expect(expected.subject).toBe('Laaj SN-2026-000123: nangu nañu ko');
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]!.to).toEqual(['awa@example.sn']);
      const mail = parseMail(smtp.received[0]!.raw);
      expect(mail.subject).toBe(expected.subject);
      expect(mail.text).toContain('Sa laaj SN-2026-000123 (Kayitu juddu), nangu nañu ko.');
      expect(mail.text).toContain('Retirez-le à la mairie de Dakar-Plateau.');
      expect(mail.language).toBe('wo');
      const rows = await outbox();
      expect(mail.messageId).toBe(`<${rows.find((r) => r.channel === 'email')!.id}@jokko.test>`);
      expect(sms.sent).toEqual([{ to: '+221771234567', text: expected.text, id: expect.any(String) }]);
      for (const r of rows)
        expect(r).toMatchObject({ attempts: 1, last_error: null, failed_at: null, next_attempt_at: null });
      for (const r of rows) expect(r.sent_at).not.toBeNull();
    } finally {
      await smtp.close();
    }
  });

  it('keeps an e-mail while the SMTP server is down or refuses for now, retries later and later, then delivers it', async () => {
    const port = await freePort();
    const w = worker({
      transport: {
        email: createSmtpEmailSender({
          url: `smtp://127.0.0.1:${port}`,
          from: 'Jokko <no-reply@jokko.test>',
        }),
        sms: fakeSms().provider,
      },
    });
    await setContact(nins[0]!, { email: 'awa@example.sn', language: 'en' });
    await notify(nins[0]!);
    const email = async () => (await outbox()).find((r) => r.channel === 'email')!;

    expect(await w.deliverDue()).toBe(2); // the inbox row is sent, the e-mail is not
    let row = await email();
    expect(row).toMatchObject({ attempts: 1, sent_at: null, failed_at: null });
    expect(row.last_error).toMatch(/^ESOCKET: connect ECONNREFUSED/);
    expect(new Date(row.next_attempt_at!).getTime()).toBe(now.getTime() + retryDelayMs(1));
    expect(retryDelayMs(1)).toBe(30_000);
    expect(await w.deliverDue()).toBe(0); // not due before its backoff

    later(retryDelayMs(1));
    expect(await w.deliverDue()).toBe(1);
    row = await email();
    expect(row.attempts).toBe(2);
    expect(new Date(row.next_attempt_at!).getTime()).toBe(now.getTime() + 60_000);

    // Back, but refusing for now (451): still kept and retried.
    const smtp = await startSmtp(port);
    try {
      smtp.refuse(451);
      later(60_000);
      expect(await w.deliverDue()).toBe(1);
      row = await email();
      expect(row).toMatchObject({ attempts: 3, sent_at: null, failed_at: null });
      expect(row.last_error).toMatch(/^EENVELOPE 451/);
      expect(row.last_error).not.toContain('awa@example.sn');
      expect(new Date(row.next_attempt_at!).getTime()).toBe(now.getTime() + 120_000);

      smtp.refuse();
      later(120_000);
      expect(await w.deliverDue()).toBe(1);
      row = await email();
      expect(row).toMatchObject({ attempts: 4, last_error: null, failed_at: null });
      expect(row.sent_at).not.toBeNull();
      expect(smtp.received).toHaveLength(1);
      expect(parseMail(smtp.received[0]!.raw).subject).toBe('Application SN-2026-000123: approved');
    } finally {
      await smtp.close();
    }
  });

  it('gives up after the last try, or at once when the server refuses the recipient for good', async () => {
    const sms = fakeSms();
    sms.provider.failing = new Error('operator unreachable');
    const smtp = await startSmtp(await freePort());
    try {
      smtp.refuse(550);
      const w = worker({
        maxAttempts: 3,
        transport: {
          email: createSmtpEmailSender({
            url: `smtp://127.0.0.1:${smtp.port}`,
            from: 'Jokko <no-reply@jokko.test>',
          }),
          sms: sms.provider,
        },
      });
      await setContact(nins[0]!, { email: 'nobody@example.sn', phone: '771234567', language: 'fr' });
      await notify(nins[0]!);
      await w.deliverDue();
      const byChannel = async () => Object.fromEntries((await outbox()).map((r) => [r.channel, r]));
      expect((await byChannel()).email).toMatchObject({ attempts: 1, sent_at: null, next_attempt_at: null });
      expect((await byChannel()).email!.failed_at).not.toBeNull();
      expect((await byChannel()).email!.last_error).toMatch(/^EENVELOPE 550/);
      for (const _ of [2, 3]) {
        later(3_600_000);
        expect(await w.deliverDue()).toBe(1);
      }
      const sms3 = (await byChannel()).sms!;
      expect(sms3).toMatchObject({ attempts: 3, sent_at: null, last_error: 'Error: operator unreachable' });
      expect(sms3.failed_at).not.toBeNull();
      later(24 * 3_600_000);
      expect(await w.deliverDue()).toBe(0);
      expect(sms.sent).toEqual([]);
    } finally {
      await smtp.close();
    }
  });

  it('two workers on the same outbox deliver each message exactly once', async () => {
    const second = kind === 'postgres' ? await openDatabase({ url: t.db.url, poolMax: 4 }) : database;
    try {
      const delivered: string[] = [];
      const slow: SmsProvider = {
        async send(_to, _text, context) {
          await new Promise((r) => setTimeout(r, 5));
          delivered.push(context.id);
        },
      };
      const rows = Array.from({ length: 60 }, () => [randomUUID(), '+221771234567']);
      await database.query(
        `INSERT INTO notify_outbox (id, channel, recipient, template, payload)
         SELECT id, 'sms', recipient, 'application-status', $3::jsonb FROM unnest($1::uuid[], $2::text[]) AS r (id, recipient)`,
        [rows.map((r) => r[0]), rows.map((r) => r[1]), JSON.stringify({ ...approved, language: 'fr' })],
      );
      const one = worker({ batchSize: 7, transport: { email: noEmail, sms: slow } });
      const two = worker({ database: second, batchSize: 7, transport: { email: noEmail, sms: slow } });
      const drain = async (w: NotifyDelivery) => {
        let n = 0;
        for (;;) {
          const k = await w.deliverDue();
          if (!k) return n;
          n += k;
        }
      };
      const [a, b] = await Promise.all([drain(one), drain(two)]);
      expect(a + b).toBe(60);
      if (kind === 'postgres') expect(a > 0 && b > 0).toBe(true);
      expect(delivered.sort()).toEqual(rows.map((r) => r[0]).sort());
      expect(new Set(delivered).size).toBe(60);
      const left = await database.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM notify_outbox WHERE sent_at IS NULL OR attempts <> 1',
      );
      expect(left[0]?.n).toBe(0);
    } finally {
      if (second !== database) await second.close();
    }
  });

  it('a worker that dies holding rows leaves them due again once its lease ends (at least once)', async () => {
    await setContact(nins[0]!, { phone: '+221771234567', language: 'fr' });
    await notify(nins[0]!);
    // A claim whose worker never came back: the row is leased, counted, not sent.
    await database.query(
      "UPDATE notify_outbox SET attempts = 1, next_attempt_at = $1 WHERE channel = 'sms'",
      [new Date(now.getTime() + 5 * 60_000)],
    );
    const sms = fakeSms();
    const w = worker({ transport: { email: noEmail, sms: sms.provider } });
    expect(await w.deliverDue()).toBe(1); // the inbox row only
    later(5 * 60_000);
    expect(await w.deliverDue()).toBe(1);
    expect(sms.sent).toHaveLength(1);
    expect((await outbox()).find((r) => r.channel === 'sms')).toMatchObject({ attempts: 2 });
  });

  it('never logs an SMS text (activation codes): the masked number and the template only; an expired code is not sent', async () => {
    const lines: string[] = [];
    const logger = {
      info: (fields: object, message: string) => lines.push(JSON.stringify({ ...fields, message })),
      warn: (fields: object, message: string) => lines.push(JSON.stringify({ ...fields, message })),
    };
    const code = 'K7PQ2XWM';
    const insert = (expiresAt: Date) =>
      database.query(
        `INSERT INTO notify_outbox (id, channel, recipient, template, payload)
         VALUES ($1, 'sms', '+221771234567', 'identity.activation.enrol', $2::jsonb)`,
        [randomUUID(), JSON.stringify({ code, expiresAt: expiresAt.toISOString(), nin: nins[0] })],
      );
    await insert(new Date(now.getTime() + 72 * 3_600_000));
    await insert(new Date(now.getTime() - 1000));
    const w = worker({ logger, transport: { email: noEmail, sms: new LoggingSmsProvider(logger) } });
    expect(await w.deliverDue()).toBe(2);
    const rows = await outbox();
    expect(rows.filter((r) => r.sent_at)).toHaveLength(1);
    expect(rows.find((r) => r.failed_at)?.last_error).toMatch(/expired/);
    const log = lines.join('\n');
    expect(log).toContain('+22177*****67');
    expect(log).toContain('identity.activation.enrol');
    expect(log).not.toContain(code);
    expect(log).not.toContain('771234567');
  });

  it('renders every template the platform writes in French, Wolof and English, with no code in a subject', () => {
    const payloads: Record<string, Record<string, unknown>> = {
      'application-status': { ...approved },
      'identity.activation.enrol': { code: 'K7PQ2XWM', expiresAt: '2026-12-01T10:00:00Z', nin: '1' },
      'identity.activation.recover': { code: 'K7PQ2XWM', expiresAt: '2026-12-01T10:00:00Z', nin: '1' },
      'consent-request': {
        requestId: randomUUID(),
        partner: 'SN/COM/BTERANGA/kyc',
        purpose: 'account-opening',
      },
      'consent-first-use': { consentId: randomUUID(), partner: 'SN/COM/BTERANGA/kyc' },
      'consent-expiring': {
        consentId: randomUUID(),
        partner: 'SN/COM/BTERANGA/kyc',
        validUntil: '2026-12-24T00:00:00Z',
      },
    };
    expect(renderableTemplates.sort()).toEqual(Object.keys(payloads).sort());
    for (const [template, payload] of Object.entries(payloads)) {
      const texts = ['fr', 'wo', 'en'].map((language) => renderMessage(template, payload, language));
      for (const m of texts) {
        expect(m.subject.length).toBeGreaterThan(5);
        expect(m.text.length).toBeGreaterThan(20);
        expect(m.subject).not.toContain('K7PQ2XWM');
      }
      expect(new Set(texts.map((m) => m.text)).size).toBe(3);
    }
    expect(
      renderMessage('identity.activation.enrol', payloads['identity.activation.enrol']!, 'wo').text,
    ).toContain('K7PQ2XWM');
    for (const status of applicationStatuses)
      expect(renderMessage('application-status', { ...approved, status }, 'wo').subject).toMatch(/^Laaj /);
    // A language without texts falls back to English; an unknown template is a permanent failure.
    expect(renderMessage('consent-first-use', payloads['consent-first-use']!, 'az').text).toMatch(
      /^BTERANGA · kyc read/,
    );
    expect(() => renderMessage('no-such-template', {}, 'fr')).toThrow(/no template/);
    expect(new PermanentDeliveryError('x').permanent).toBe(true);
  });

  it('contact choices: each citizen reads and changes only their own, validated against the country, audited without the values', async () => {
    const [mine, theirs] = tokens as [string, string];
    expect((await api('GET', '/me/contact', mine)).body).toEqual({
      email: null,
      phone: null,
      language: 'fr',
      updatedAt: null,
    });
    const put = await api('PUT', '/me/contact', mine, {
      email: 'awa@example.sn',
      phone: '77 123 45 67',
      language: 'wo',
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ email: 'awa@example.sn', phone: '+221771234567', language: 'wo' });
    expect((await api('GET', '/me/contact', mine)).body).toMatchObject({
      phone: '+221771234567',
      language: 'wo',
    });
    // No id in the path: the other citizen's token reads the other citizen's (empty) choices.
    expect((await api('GET', '/me/contact', theirs)).body).toMatchObject({
      email: null,
      phone: null,
      language: 'fr',
    });
    expect((await api('PUT', '/me/contact', theirs, { language: 'en' })).status).toBe(200);
    expect((await api('GET', '/me/contact', mine)).body).toMatchObject({
      email: 'awa@example.sn',
      language: 'wo',
    });

    // Notices follow the choices.
    await notify(nins[0]!);
    expect((await outbox()).map((r) => [r.channel, r.payload.language])).toEqual([
      ['email', 'wo'],
      ['push', 'wo'],
      ['sms', 'wo'],
    ]);

    const [audit] = await database.query<{ details: Record<string, unknown>; actor_kind: string }>(
      "SELECT details, actor_kind FROM audit_log WHERE action = 'notify.contact.updated' ORDER BY seq LIMIT 1",
    );
    expect(audit).toEqual({ actor_kind: 'citizen', details: { changed: ['email', 'phone', 'language'] } });
    const allAudit = JSON.stringify(
      await database.query("SELECT * FROM audit_log WHERE action = 'notify.contact.updated'"),
    );
    expect(allAudit).not.toContain('awa@example.sn');
    expect(allAudit).not.toContain('771234567');

    // Removing an address is a PUT without it.
    expect(
      (await api('PUT', '/me/contact', mine, { phone: '+221771234567', language: 'wo' })).body,
    ).toMatchObject({
      email: null,
    });
  });

  it('contact choices: bad input is a validation problem pointing at the field; only the citizen in the app may call', async () => {
    const [mine] = tokens as [string];
    const problem = async (body: unknown, pointer: string) => {
      const res = await api('PUT', '/me/contact', mine, body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ type: problemType('validation-failed'), status: 400 });
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    };
    await problem({ email: 'not an address', language: 'fr' }, '/email');
    await problem({ phone: '+33612345678', language: 'fr' }, '/phone');
    await problem({ phone: '12345', language: 'fr' }, '/phone');
    await problem({ language: 'de' }, '/language');
    await problem({ email: 'awa@example.sn' }, '/language');
    await problem({ language: 'fr', fax: '123' }, '/fax');
    expect((await api('GET', '/me/contact', mine)).body.updatedAt).toBeNull();
    expect((await api('GET', '/me/contact', partnerKey)).status).toBe(403);
    expect((await api('PUT', '/me/contact', partnerKey, { language: 'fr' })).status).toBe(403);
    const anonymous = await api('GET', '/me/contact', '');
    expect(anonymous).toMatchObject({ status: 401, body: { type: problemType('unauthenticated') } });
  });

  it('the inbox shows application-status notices to their citizen only', async () => {
    await notify(nins[0]!);
    const [a, b] = await Promise.all([
      api('GET', '/me/inbox', tokens[0]!),
      api('GET', '/me/inbox', tokens[1]!),
    ]);
    expect(a.body.items).toEqual([
      expect.objectContaining({
        template: 'application-status',
        payload: expect.objectContaining({ reference: 'SN-2026-000123', status: 'approved', language: 'fr' }),
      }),
    ]);
    expect(b.body.items).toEqual([]);
  });
});
