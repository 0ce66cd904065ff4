import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding nx.json), found from this compiled file. */
export const REPO_ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root (nx.json)');
    dir = parent;
  }
  return dir;
})();

/** Kafka bootstrap address of the broker the test run started; fails clearly when there is none. */
export function kafkaBrokers(): string[] {
  // eslint-disable-next-line no-restricted-properties -- tests read the environment the test runner set.
  const brokers = process.env['CAIRN_KAFKA_BROKERS'];
  if (!brokers) {
    throw new Error(
      'CAIRN_KAFKA_BROKERS is not set: run the suite with `npm test` (it starts Kafka) or `deploy/local/kafka.sh start`',
    );
  }
  return brokers.split(',');
}

/** True when the run was asked to leave out everything that needs a broker (`npm run test:unit`). */
export function skipKafka(): string | false {
  // eslint-disable-next-line no-restricted-properties -- tests read the environment the test runner set.
  return process.env['CAIRN_TEST_SKIP_KAFKA'] === '1'
    ? 'CAIRN_TEST_SKIP_KAFKA=1: no broker in this run'
    : false;
}

/** Finds a command on PATH or in the project's tools folder. */
export function toolPath(name: string): string {
  // eslint-disable-next-line no-restricted-properties -- tests read the environment the test runner set.
  const dirs = (process.env['PATH'] ?? '').split(':');
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} is not installed: run scripts/setup-test-deps.sh`);
}

/** PostgreSQL URL of the server the test run started; fails clearly when there is none. */
export function postgresUrl(): string {
  // eslint-disable-next-line no-restricted-properties -- tests read the environment the test runner set.
  const url = process.env['CAIRN_POSTGRES_URL'];
  if (!url)
    throw new Error('CAIRN_POSTGRES_URL is not set: run the suite with `npm test` (it starts PostgreSQL)');
  return url;
}
