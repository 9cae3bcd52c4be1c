// Child process for multi-writer tests and benchmarks: appends N entries to the database at argv[2]
// and prints its own start and end times (after connecting), so start-up is not measured.
import { openDatabase } from '../../../platform/db/database.ts';
import { createAuditLog } from '../audit-log.ts';

const [url, count, name] = process.argv.slice(2);
const database = await openDatabase({ url: url!, poolMax: 4 });
const audit = createAuditLog(database);
await database.query('SELECT 1');
const start = Date.now();
const writes: Promise<unknown>[] = [];
for (let i = 0; i < Number(count); i++) {
  writes.push(
    audit.record({
      actor: { kind: 'system', id: name! },
      action: 'test.append',
      outcome: 'success',
      details: { i },
    }),
  );
  // Interleave awaited and concurrent appends so batches of varied sizes race the other processes.
  if (i % 7 === 0) await Promise.all(writes.splice(0));
}
await Promise.all(writes);
process.stdout.write(`${JSON.stringify({ start, end: Date.now() })}\n`);
await database.close();
