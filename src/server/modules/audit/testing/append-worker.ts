// Child process for the multi-writer test: appends N entries to the database at argv[2].
import { openDatabase } from '../../../platform/db/database.ts';
import { createAuditLog } from '../audit-log.ts';

const [url, count, name] = process.argv.slice(2);
const database = await openDatabase({ url: url!, poolMax: 4 });
const audit = createAuditLog(database);
const writes: Promise<unknown>[] = [];
for (let i = 0; i < Number(count); i++) {
  writes.push(audit.record({ actor: { kind: 'system', id: name! }, action: 'test.append', outcome: 'success', details: { i } }));
  // Interleave awaited and concurrent appends so batches of varied sizes race the other processes.
  if (i % 7 === 0) await Promise.all(writes.splice(0));
}
await Promise.all(writes);
await database.close();
