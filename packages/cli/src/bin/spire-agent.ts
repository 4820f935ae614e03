#!/usr/bin/env node
// spire-agent / tspire-agent: SPIRE's agent CLI. The Workload API commands (`api ...`,
// `healthcheck`) talk to a running agent over its public socket.
import { main } from '../agent-cli/main.js';

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
