#!/usr/bin/env node
// The `drydock` CLI (package.json "bin"): runs the entry point that `npm run build` compiles into dist/.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/apps/cli/src/main.js', import.meta.url);
if (existsSync(entry)) {
  await import(entry.href);
} else {
  process.stderr.write('drydock: the CLI is not built yet; run `npm run build` first\n');
  process.exitCode = 64;
}
