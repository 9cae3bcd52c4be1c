import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './scripts/vitest-sequencer.ts';

export default defineConfig({
  test: {
    include: [
      'src/**/*.test.ts',
      'web/**/*.test.ts',
      'e2e/**/*.test.ts',
      'bench/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    exclude: ['node_modules/**', 'web/dist/**'],
    // Database tests create their own database per file; two cores keep this modest.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default', './scripts/vitest-summary-reporter.ts'],
    sequence: { sequencer: SlowFirstSequencer },
  },
});
