import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

/** The PostgreSQL server a suite runs against, or why the suite is skipped. */
export type PostgresForTests =
  { readonly url: string; readonly skip?: undefined } | { readonly url: ''; readonly skip: string };

/**
 * The PostgreSQL server of the test run (`CAIRN_POSTGRES_URL`, set by `npm test`). Skipped with a
 * reason on `CAIRN_TEST_SKIP_POSTGRES=1` or in a unit-only run; otherwise a missing server registers
 * a failing test that says how to start one, and the suite itself is skipped.
 */
export function postgresForTests(suite: string): PostgresForTests {
  // eslint-disable-next-line no-restricted-properties -- tests read the environment the test runner set.
  const env = process.env;
  const { CAIRN_POSTGRES_URL: url, CAIRN_TEST_SKIP_POSTGRES: skip, CAIRN_TEST_SKIP_KAFKA: unitOnly } = env;
  if (skip === '1') return { url: '', skip: `CAIRN_TEST_SKIP_POSTGRES=1: ${suite} not run` };
  if (url !== undefined && url !== '') return { url };
  if (unitOnly === '1')
    return {
      url: '',
      skip: `CAIRN_TEST_SKIP_KAFKA=1 (unit-only run) and no CAIRN_POSTGRES_URL: ${suite} not run`,
    };
  void describe(suite, () => {
    void it('needs a PostgreSQL server', () => {
      assert.fail(
        'CAIRN_POSTGRES_URL is not set: run `bash deploy/local/postgres.sh start` and export the CAIRN_POSTGRES_URL=... line it prints ' +
          '(or set CAIRN_TEST_SKIP_POSTGRES=1 to skip the PostgreSQL suites)',
      );
    });
  });
  return { url: '', skip: 'no PostgreSQL server' };
}
