#!/usr/bin/env node
// The `cairn` command. A committed launcher (not dist/main.js itself) so that npm links the bin at
// `npm ci` time, before anything is built; it runs the compiled CLI.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('cairn: the CLI is not built yet: run `npm run build` at the repository root\n');
  process.exit(1);
}
await import(main.href);
