import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/jokko.js', import.meta.url));

/**
 * The real server in its own process (`jokko start`) on a benchmark database, so the load
 * generator does not share its event loop. Resolves with the URL the server prints once it listens.
 */
export function startJokko(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; base: string }> {
  return new Promise((resolve, reject) => {
    // BENCH_CPU_PROF_DIR=/tmp/prof writes a V8 CPU profile of the server when it stops.
    const profile = process.env.BENCH_CPU_PROF_DIR
      ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF_DIR]
      : [];
    const child = spawn(process.execPath, [...profile, bin, 'start'], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        PORT: '0',
        LOG_LEVEL: 'warn',
        DATABASE_POOL_MAX: '20',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /Open:\s+(http:\/\/\S+?)\/\s/.exec(out);
      if (m) resolve({ child, base: m[1]! });
    });
    child.on('close', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}
