#!/usr/bin/env node
// Launcher kept in git so npm links the bin at `npm ci`, before `npm run build` creates dist/.
// The helper itself is TypeScript: packages/cli/src/bin/spiffe-helper.ts.
await import('../dist/bin/spiffe-helper.js');
