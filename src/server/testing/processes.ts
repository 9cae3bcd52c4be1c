import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../testing.ts';

/**
 * Tests that run Jokko as real server processes (`bin/jokko.js start`): several nodes on one
 * PostgreSQL, or a process killed and restarted on the same database.
 */

const bin = fileURLToPath(new URL('../../../bin/jokko.js', import.meta.url));
const outputs = new WeakMap<ChildProcess, { text: string }>();

/** Everything the process printed (its warnings and errors at LOG_LEVEL=warn): for failure messages. */
export function outputOf(child: ChildProcess): string {
  return outputs.get(child)?.text ?? '';
}

/** What a finished `jokko` command left: its exit code and what it printed on each stream. */
export interface JokkoRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * One `jokko <args>` command as an operator runs it: a real process with only PATH, HOME,
 * LOG_LEVEL=warn and the given environment; stdin is a pipe, not a terminal (a command that asked
 * a question would hang).
 */
export function runJokko(args: string[], env: Record<string, string> = {}): Promise<JokkoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface StartOptions {
  /** What the process prints once it serves; `api` and `all` print their URL, a worker does not. */
  ready?: RegExp;
}

/** A `jokko start` process with only the given environment (and LOG_LEVEL=warn), once it serves. */
export function startServer(env: Record<string, string>, options: StartOptions = {}): Promise<ChildProcess> {
  const ready = options.ready ?? /Open:/;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'start'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
    });
    const output = { text: '' };
    outputs.set(child, output);
    // Generous: a cold start on a busy two-core CI machine can take half a minute.
    const timer = setTimeout(() => reject(new Error(`start timed out: ${output.text}`)), 120_000);
    child.stdout.on('data', (d) => {
      output.text += d;
      if (ready.test(output.text)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr.on('data', (d) => {
      output.text += d;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited ${code}: ${output.text}`));
    });
  });
}

/**
 * A server on a port that was free a moment ago: another process may take it before the server
 * listens (or two calls may draw the same one), so a start that loses the port is retried on a
 * fresh one.
 */
export async function startServerOnFreePort(
  env: (port: number) => Record<string, string>,
  avoid: number[] = [],
  options: StartOptions = {},
): Promise<{ child: ChildProcess; port: number }> {
  for (let attempt = 0; ; attempt++) {
    let port = await freePort();
    while (avoid.includes(port)) port = await freePort();
    try {
      return { child: await startServer(env(port), options), port };
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}

/** Resolves when the process has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Kills with SIGKILL and waits for the exit: no shutdown hook runs, as in a power cut. */
export async function killHard(child: ChildProcess): Promise<void> {
  const gone = exited(child);
  child.kill('SIGKILL');
  await gone;
}

/**
 * A real SMTP server on loopback, in the test process so it outlives the servers under test. It
 * keeps each message (raw, as received) with its Message-ID (the notify worker sets it from the
 * outbox row id) and may hold each one a while, so deliveries are in flight when a test wants them to be.
 */
export async function startSmtpSink(options: { delayMs?: number } = {}) {
  const received: Array<{ messageId: string; to: string[]; raw: string }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('latin1');
        const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
        const messageId = /^Message-ID:\s*(.*)$/im.exec(head)?.[1]?.trim() ?? '';
        setTimeout(() => {
          received.push({ messageId, to: session.envelope.rcptTo.map((r) => r.address), raw });
          callback();
        }, options.delayMs ?? 0);
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    /** How many times each Message-ID arrived. */
    counts(): Map<string, number> {
      const counts = new Map<string, number>();
      for (const m of received) counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
      return counts;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
