import type { Database } from '../../platform/db/database.ts';
import { emailFooter, renderMessage, templateLanguage } from './templates.ts';
import type { EmailSender, LetterProvider, NotifyLogger, SmsProvider } from './transports.ts';

export interface NotifyDeliveryOptions {
  database: Database;
  transport: { email: EmailSender; sms: SmsProvider; letter?: LetterProvider };
  clock: () => Date;
  /** Rows claimed per pass. Default 10. */
  batchSize?: number;
  /** Pause between passes when there is nothing more to do. Default 1000. */
  pollMs?: number;
  /** Tries before a row is given up (failed_at). Default 10, about three and a half hours of retries. */
  maxAttempts?: number;
  /** How long a worker holds the rows it claimed; past it they are due again. Default 5 minutes. */
  leaseMs?: number;
  /** One send longer than this counts as failed (it is retried; the first may still arrive). Default 60 s. */
  sendTimeoutMs?: number;
  /** Language of rows that name none (activation codes): the country profile's default. Default fr. */
  defaultLanguage?: string;
  /** Time zone of dates in the texts: the country profile's. Default UTC. */
  timeZone?: string;
  /** Failed tries are logged here (template, channel, short error; no address, no text). */
  logger?: NotifyLogger;
  /** A pass that failed as a whole (the database went away). */
  onError: (err: unknown) => void;
}

export interface NotifyDelivery {
  /** One pass: claims due rows, sends them, records each outcome. Returns how many rows it tried. */
  deliverDue(): Promise<number>;
  stop(): Promise<void>;
}

interface OutboxRow {
  id: string;
  channel: 'push' | 'email' | 'sms' | 'letter';
  recipient: string;
  template: string;
  payload: Record<string, unknown>;
  attempts: number;
}

const retryBaseMs = 30_000;
const retryMaxMs = 3_600_000;

/** 30 s after the first failed try, doubling with each one, never more than an hour. */
export const retryDelayMs = (attempts: number): number =>
  Math.min(retryBaseMs * 2 ** Math.max(0, attempts - 1), retryMaxMs);

/**
 * Delivers the notify outbox, at least once. A pass claims due rows in one statement
 * (`FOR UPDATE SKIP LOCKED`, so workers sharing a PostgreSQL never claim the same row) that counts
 * the try and leases the row by moving its `next_attempt_at` past the send; then it sends each row
 * outside any transaction and records the outcome. A worker that dies mid-pass leaves leases that
 * expire, and a crash between a send and its mark re-sends the message later: a citizen may get a
 * notice twice, never none. The outbox id travels with each send so duplicates can be recognised.
 * `push` rows need no sending: the app's inbox reads the outbox, so they are marked sent at once.
 */
export function startNotifyDelivery(options: NotifyDeliveryOptions): NotifyDelivery {
  const { database, transport, clock } = options;
  const batchSize = options.batchSize ?? 10;
  const pollMs = options.pollMs ?? 1000;
  const maxAttempts = options.maxAttempts ?? 10;
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const sendTimeoutMs = options.sendTimeoutMs ?? 60_000;
  const defaultLanguage = options.defaultLanguage ?? 'fr';
  const renderOptions = options.timeZone ? { timeZone: options.timeZone } : {};
  let stopped = false;
  let running: Promise<number> | undefined;
  let wake: (() => void) | undefined;

  async function send(row: OutboxRow, now: Date): Promise<void> {
    if (row.channel === 'push') return;
    const expiresAt = row.payload.expiresAt;
    if (typeof expiresAt === 'string' && Date.parse(expiresAt) <= now.getTime())
      throw Object.assign(new Error('expired before it could be delivered'), { permanent: true });
    const language = templateLanguage(
      typeof row.payload.language === 'string' ? row.payload.language : defaultLanguage,
    );
    const message = renderMessage(row.template, row.payload, language, renderOptions);
    const context = { id: row.id, template: row.template };
    const sending =
      row.channel === 'email'
        ? transport.email.send({
            ...context,
            to: row.recipient,
            subject: message.subject,
            text: `${message.text}\n\n-- \n${emailFooter[language]}`,
            language,
          })
        : row.channel === 'sms'
          ? transport.sms.send(row.recipient, message.text, context)
          : transport.letter
            ? transport.letter.send(row.recipient, message.text, context)
            : Promise.reject(new Error('no letter provider'));
    await withTimeout(sending, sendTimeoutMs);
  }

  async function deliver(row: OutboxRow): Promise<void> {
    try {
      await send(row, clock());
    } catch (err) {
      const permanent = isPermanent(err);
      const giveUp = permanent || row.attempts >= maxAttempts;
      const error = describeError(err);
      const now = clock();
      // Only the holder of the latest claim records a failure: a stale worker must not undo a newer try.
      await database.query(
        giveUp
          ? `UPDATE notify_outbox SET last_error = $2, failed_at = $3, next_attempt_at = NULL
              WHERE id = $1 AND attempts = $4 AND sent_at IS NULL`
          : `UPDATE notify_outbox SET last_error = $2, next_attempt_at = $3
              WHERE id = $1 AND attempts = $4 AND sent_at IS NULL`,
        [row.id, error, giveUp ? now : new Date(now.getTime() + retryDelayMs(row.attempts)), row.attempts],
      );
      options.logger?.warn(
        { id: row.id, channel: row.channel, template: row.template, attempts: row.attempts, error },
        giveUp ? 'notice given up' : 'notice not delivered: will retry',
      );
      return;
    }
    // Sent: recorded in its own statement after the send. A crash just before it means a re-send.
    await database.query(
      'UPDATE notify_outbox SET sent_at = $2, next_attempt_at = NULL, last_error = NULL WHERE id = $1 AND sent_at IS NULL',
      [row.id, clock()],
    );
  }

  async function deliverDue(): Promise<number> {
    const now = clock();
    const claimed = await database.query<OutboxRow>(
      `WITH due AS (
         SELECT id FROM notify_outbox
          WHERE sent_at IS NULL AND failed_at IS NULL
            AND coalesce(next_attempt_at, '-infinity'::timestamptz) <= $1
          ORDER BY coalesce(next_attempt_at, '-infinity'::timestamptz), created_at
          LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE notify_outbox o SET attempts = o.attempts + 1, next_attempt_at = $3
         FROM due WHERE o.id = due.id
       RETURNING o.id, o.channel, o.recipient, o.template, o.payload, o.attempts`,
      [now, batchSize, new Date(now.getTime() + leaseMs)],
    );
    await Promise.all(claimed.map((row) => deliver(row).catch(options.onError)));
    return claimed.length;
  }

  const loop = async () => {
    while (!stopped) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, pollMs).unref();
      });
      while (!stopped) {
        try {
          running = deliverDue();
          if ((await running) < batchSize) break;
        } catch (err) {
          options.onError(err);
          break;
        }
      }
    }
  };
  void loop();
  return {
    deliverDue,
    async stop() {
      stopped = true;
      wake?.();
      await running?.catch(() => undefined);
    },
  };
}

/** Providers mark what retrying cannot cure; an SMTP server refusing the recipient (5xx) is one. */
function isPermanent(err: unknown): boolean {
  const e = err as { permanent?: unknown; code?: unknown; responseCode?: unknown };
  if (e?.permanent === true) return true;
  return e?.code === 'EENVELOPE' && typeof e.responseCode === 'number' && e.responseCode >= 500;
}

/** A short reason for the row: the error's code and server reply code, its message without addresses or numbers. */
function describeError(err: unknown): string {
  const e = err as { name?: unknown; code?: unknown; responseCode?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'Error';
  const reply = typeof e?.responseCode === 'number' ? ` ${e.responseCode}` : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const cleaned = message
    .replace(/[^\s<>@"']+@[^\s<>@"']+/g, '[address]')
    .replace(/\+?\d[\d\s-]{6,}\d/g, '[number]');
  return `${code}${reply}: ${cleaned}`.slice(0, 200);
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
