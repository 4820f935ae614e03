// Worker for the SQLite consume race: opens its own handle, waits at a shared gate, then
// consumes every token and reports the ones it won.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatastore } from '../open.js';

const { path, tokens, gate } = workerData as { path: string; tokens: string[]; gate: Int32Array };
const ds = await openDatastore({ databaseType: 'sqlite3', connectionString: path });
Atomics.add(gate, 0, 1);
Atomics.wait(gate, 1, 0);
const won: string[] = [];
for (const token of tokens) {
  if ((await ds.consumeJoinToken(token)) !== null) won.push(token);
}
await ds.close();
parentPort?.postMessage(won);
