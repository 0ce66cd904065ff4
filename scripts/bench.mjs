#!/usr/bin/env node
// Runs the benchmarks (test/dist/bench/*.bench.js) one after another and prints what they measure.
// Starts PostgreSQL from deploy/local when CAIRN_POSTGRES_URL is not set, and stops it at the end.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const env = { ...process.env, PATH: [join(root, 'node_modules', '.bin'), process.env.PATH].join(':') };
const build = spawnSync('npx', ['tsc', '-b', 'tsconfig.build.json'], { cwd: root, env, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

let stopPostgres = () => {};
if (!env.CAIRN_POSTGRES_URL) {
  const started = spawnSync('bash', ['deploy/local/postgres.sh', 'start'], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  const url = /^CAIRN_POSTGRES_URL=(.*)$/m.exec(started.stdout ?? '')?.[1];
  if (started.status !== 0 || !url) {
    process.stderr.write(`bench: could not start PostgreSQL:\n${started.stderr ?? ''}`);
    process.exit(1);
  }
  env.CAIRN_POSTGRES_URL = url;
  stopPostgres = () =>
    spawnSync('bash', ['deploy/local/postgres.sh', 'stop'], { cwd: root, env, stdio: 'inherit' });
}

let failed = false;
const dir = join(root, 'test', 'dist', 'bench');
for (const file of readdirSync(dir)
  .filter((name) => name.endsWith('.bench.js'))
  .sort()) {
  process.stdout.write(`• ${file}\n`);
  const result = spawnSync(process.execPath, [join(dir, file)], {
    cwd: root,
    env,
    stdio: 'inherit',
    timeout: 600_000,
  });
  if (result.status !== 0) failed = true;
}
stopPostgres();
process.exit(failed ? 1 : 0);
