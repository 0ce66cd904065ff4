#!/usr/bin/env node
// Runs the audit store benchmarks (test/dist/bench/audit-*.bench.js) one after another and prints what they measure.
// Starts PostgreSQL and Kafka from deploy/local when CAIRN_POSTGRES_URL / CAIRN_KAFKA_BROKERS are not set,
// and stops them at the end.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const env = { ...process.env, PATH: [join(root, 'node_modules', '.bin'), process.env.PATH].join(':') };
const build = spawnSync('npx', ['tsc', '-b', 'tsconfig.build.json'], { cwd: root, env, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const stops = [];
/** Runs a deploy/local start script and sets `env[name]` to the `CAIRN_*=value` it prints. */
function startLocal(script, name) {
  const started = spawnSync('bash', [`deploy/local/${script}`, 'start'], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  const value = new RegExp(`^${name}=(.*)$`, 'm').exec(started.stdout ?? '')?.[1];
  if (started.status !== 0 || !value) {
    process.stderr.write(`bench: ${script} start failed:\n${started.stderr ?? ''}`);
    for (const stop of stops.reverse()) stop();
    process.exit(1);
  }
  env[name] = value;
  stops.push(() =>
    spawnSync('bash', [`deploy/local/${script}`, 'stop'], { cwd: root, env, stdio: 'inherit' }),
  );
}
if (!env.CAIRN_POSTGRES_URL) startLocal('postgres.sh', 'CAIRN_POSTGRES_URL');
if (!env.CAIRN_KAFKA_BROKERS) startLocal('kafka.sh', 'CAIRN_KAFKA_BROKERS');
let failed = false;
const dir = join(root, 'test', 'dist', 'bench');
for (const file of readdirSync(dir)
  .filter((name) => name.startsWith('audit-') && name.endsWith('.bench.js'))
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
for (const stop of stops.reverse()) stop();
process.exit(failed ? 1 : 0);
