import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The files that take longest (each spawns `jokko` processes or browsers). On a fresh clone vitest
// has no timings to order by and would leave one of them for last: with two workers, that tail
// alone costs minutes. They go first; the rest keeps vitest's own order.
const slowFirst = [
  'src/server/cli.test.ts',
  'src/server/cli/backup.test.ts',
  'src/server/modules/audit/transparency.test.ts',
  'src/server/modules/bridge/gateway.test.ts',
  'e2e/superapp.test.ts',
  'e2e/services.test.ts',
  'src/server/modules/audit/audit.test.ts',
  'e2e/office.test.ts',
  'src/server/modules/bridge/crash.test.ts',
  'e2e/identity.test.ts',
];

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = slowFirst.findIndex((path) => f.moduleId.endsWith(path));
      return i === -1 ? slowFirst.length : i;
    };
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
