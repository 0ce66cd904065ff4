#!/usr/bin/env node
// Runs the whole test suite: builds, starts the real dependencies the integration tests need
// (Kafka from deploy/local, PostgreSQL once a suite needs it), runs node's test runner over the
// compiled specs and tests, then stops what it started.
//   node scripts/test.mjs            everything (needs scripts/setup-test-deps.sh to have run)
//   node scripts/test.mjs --unit     specs that need no broker (Kafka suites reported as skipped)
//   node scripts/test.mjs <globs…>   only these compiled test files
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const explicit = args.filter((arg) => !arg.startsWith('--'));

const UNIT_GLOBS = ['libs/*/dist/**/*.spec.js', 'services/*/dist/**/*.spec.js', 'test/dist/**/*.spec.js'];
const INTEGRATION_GLOBS = ['test/dist/**/*.test.js'];

function run(cmd, cmdArgs, options = {}) {
  const result = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`\n${cmd} ${cmdArgs.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
  return result;
}

function capture(cmd, cmdArgs, env) {
  const result = spawnSync(cmd, cmdArgs, {
    cwd: root,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) {
    console.error(`${cmd} ${cmdArgs.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
  return result.stdout;
}

/** Reads `KEY=value` lines a start script prints. */
function parseEnvLines(text) {
  const env = {};
  for (const line of text.split('\n')) {
    const match = /^(CAIRN_[A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) env[match[1]] = match[2];
  }
  return env;
}

const toolsDir = process.env.CAIRN_TOOLS_DIR ?? join(homedir(), '.cache', 'cairn', 'bin');
const env = {
  ...process.env,
  PATH: [join(root, 'node_modules', '.bin'), toolsDir, process.env.PATH].join(delimiter),
  OTEL_TRACES_EXPORTER: process.env.OTEL_TRACES_EXPORTER ?? 'none',
  OTEL_METRICS_EXPORTER: process.env.OTEL_METRICS_EXPORTER ?? 'none',
  OTEL_LOGS_EXPORTER: process.env.OTEL_LOGS_EXPORTER ?? 'none',
};

run('npx', ['tsc', '-b', 'tsconfig.build.json'], { env });

const stops = [];
function stopAll() {
  for (const stop of stops.reverse()) stop();
  stops.length = 0;
}
process.on('SIGINT', () => {
  stopAll();
  process.exit(130);
});

if (unitOnly) {
  env.CAIRN_TEST_SKIP_KAFKA = '1';
} else if (!env.CAIRN_KAFKA_BROKERS) {
  console.log('• starting Kafka (deploy/local/kafka.sh)');
  Object.assign(env, parseEnvLines(capture('bash', ['deploy/local/kafka.sh', 'start'], env)));
  stops.push(() =>
    spawnSync('bash', ['deploy/local/kafka.sh', 'stop'], { cwd: root, stdio: 'inherit', env }),
  );
  console.log(`  Kafka at ${env.CAIRN_KAFKA_BROKERS}`);
}
if (
  !unitOnly &&
  !env.CAIRN_POSTGRES_URL &&
  existsSync(join(root, 'deploy/local/postgres.sh')) &&
  env.CAIRN_TEST_POSTGRES !== '0'
) {
  console.log('• starting PostgreSQL (deploy/local/postgres.sh)');
  Object.assign(env, parseEnvLines(capture('bash', ['deploy/local/postgres.sh', 'start'], env)));
  stops.push(() =>
    spawnSync('bash', ['deploy/local/postgres.sh', 'stop'], { cwd: root, stdio: 'inherit', env }),
  );
}

const globs = explicit.length > 0 ? explicit : unitOnly ? UNIT_GLOBS : [...UNIT_GLOBS, ...INTEGRATION_GLOBS];
const child = spawn(
  process.execPath,
  [
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${env.CAIRN_TEST_CONCURRENCY ?? '2'}`,
    '--test-timeout=300000',
    ...globs,
  ],
  { cwd: root, env, stdio: 'inherit' },
);
child.on('exit', (code, signal) => {
  stopAll();
  process.exit(code ?? (signal ? 1 : 0));
});
