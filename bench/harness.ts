import os from 'node:os';

/**
 * Benchmarks are named modules `bench/<name>.bench.ts` exporting `benchmark`. `bench/run.ts` runs
 * them, prints each report's table and writes it to `bench/results/<name>.json`.
 */
export interface BenchContext {
  /** PostgreSQL server URL (a database on it) when available; benchmarks create their own databases. */
  postgresUrl: string | undefined;
  /** `--quick`: smaller sizes and fewer repetitions, for a smoke run. */
  quick: boolean;
  log(message: string): void;
}

export interface BenchReport {
  /** Rows of the printed table: one object per row, same keys in each. */
  rows: Array<Record<string, string | number>>;
  /** Everything else worth keeping in the JSON file (parameters, raw samples). */
  data?: Record<string, unknown>;
  notes?: string[];
}

export interface Benchmark {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchReport>;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx]!;
}

export function machineInfo() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}
