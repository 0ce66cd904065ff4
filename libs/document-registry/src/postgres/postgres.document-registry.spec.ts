import { randomUUID } from 'node:crypto';
import { postgresForTests } from '@cairn/testing';
import { runDocumentRegistryContract } from '../testing/document-registry.contract.js';
import { PostgresDocumentRegistry } from './postgres.document-registry.js';

const { url, skip } = postgresForTests('PostgresDocumentRegistry');

runDocumentRegistryContract(
  'PostgresDocumentRegistry',
  async () => {
    // One schema per test: isolated tables, dropped afterwards.
    const schema = `registry_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    const open = async (): Promise<PostgresDocumentRegistry> => {
      const registry = new PostgresDocumentRegistry({ url, schema, maxConnections: 12 });
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
