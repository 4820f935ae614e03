#!/usr/bin/env node
// Launcher kept in git so npm links the bin at `npm ci`, before `npm run build` creates dist/.
// The CLI itself is TypeScript: packages/cli/src/bin/spire-agent.ts.
await import('../dist/bin/spire-agent.js');
