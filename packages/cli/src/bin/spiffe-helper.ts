#!/usr/bin/env node
// spiffe-helper / tspire-spiffe-helper: keeps SVID, key and bundle files (and JWT-SVIDs) current
// from the Workload API and signals the process that uses them. The composition root: the real
// Workload API client is built here.
import { createWorkloadApiClient } from '@tspire/workload';
import { main } from '../spiffe-helper/main.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  createClient: (address) => createWorkloadApiClient({ address }),
});
