// Makes the worker thread die on a chunk holding an item whose SPIFFE ID ends in /crash.
// Imported by signing-worker-crash.test-helper.ts BEFORE the real worker, so this listener runs
// first; process.exit stops the thread at once (a throw would not: the port still calls the
// real worker's listener, which would answer the chunk).
import { parentPort } from 'node:worker_threads';
import type { ToWorker } from './signing-protocol.js';

parentPort?.on('message', (message: ToWorker) => {
  if (message.type === 'sign' && message.items.some((item) => item.spiffeId.endsWith('/crash'))) {
    process.exit(70);
  }
});
