import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { runDocumentRegistryContract } from '../testing/document-registry.contract.js';
import { PostgresDocumentRegistry } from './postgres.document-registry.js';

// Tests read the database address from the environment (the config module is for services).
// eslint-disable-next-line no-restricted-properties
const testEnv = process.env;
const {
  CAIRN_POSTGRES_URL: url,
  CAIRN_TEST_SKIP_POSTGRES: skipPostgres,
  CAIRN_TEST_SKIP_KAFKA: unitOnly,
} = testEnv;
const skip =
  skipPostgres === '1'
    ? 'CAIRN_TEST_SKIP_POSTGRES=1: PostgreSQL contract suite not run'
    : url === undefined && unitOnly === '1'
      ? 'CAIRN_TEST_SKIP_KAFKA=1 (unit-only run) and no CAIRN_POSTGRES_URL: PostgreSQL contract suite not run'
      : undefined;

if (url === undefined && skip === undefined) {
  void describe('PostgresDocumentRegistry', () => {
    void it('needs a PostgreSQL server', () => {
      assert.fail(
        'CAIRN_POSTGRES_URL is not set: run `bash deploy/local/postgres.sh start` and export the CAIRN_POSTGRES_URL=... line it prints ' +
          '(or set CAIRN_TEST_SKIP_POSTGRES=1 to skip the PostgreSQL contract suite)',
      );
    });
  });
} else {
  runDocumentRegistryContract(
    'PostgresDocumentRegistry',
    async () => {
      // One schema per test: isolated tables, dropped afterwards.
      const schema = `registry_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
      const open = async (): Promise<PostgresDocumentRegistry> => {
        const registry = new PostgresDocumentRegistry({ url: url ?? '', schema, maxConnections: 12 });
        await registry.migrate();
        return registry;
      };
      let current = await open();
      return {
        registry: current,
        reopen: async () => {
          await current.close();
          current = await open();
          return current;
        },
        dispose: async (last) => {
          try {
            if (last instanceof PostgresDocumentRegistry) await last.dropSchema();
          } finally {
            await last.close();
          }
        },
      };
    },
    skip === undefined ? {} : { skip },
  );
}
