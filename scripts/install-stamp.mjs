#!/usr/bin/env node
// Runs after every `npm ci` / `npm install` (the root package's postinstall): records the hash of
// package-lock.json the installed node_modules match, so `npm run up` reinstalls only when the
// lock file changed since.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const lock = join(root, 'package-lock.json');
if (existsSync(lock) && existsSync(join(root, 'node_modules'))) {
  const hash = createHash('sha256').update(readFileSync(lock)).digest('hex');
  writeFileSync(join(root, 'node_modules', '.cairn-lock-hash'), `${hash}\n`);
}
