import { randomUUID } from 'node:crypto';
import { postgresForTests } from '@cairn/testing';
import { runAuditStoreContract } from '../testing/audit-store.contract.js';
import { PostgresAuditStore } from './postgres.audit-store.js';

const { url, skip } = postgresForTests('PostgresAuditStore');

runAuditStoreContract(
  'PostgresAuditStore',
  async () => {
    // One schema per test: isolated tables, dropped afterwards.
    const schema = `audit_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    const open = async (): Promise<PostgresAuditStore> => {
      const store = new PostgresAuditStore({ url, schema, maxConnections: 12 });
      await store.migrate();
      return store;
    };
    let current = await open();
    const table = (name: string) => `"${schema}".audit_${name}`;
    return {
      store: current,
      tables: {
        records: table('records'),
        subjects: table('subjects'),
        payloads: table('payloads'),
        heads: table('heads'),
        checkpoints: table('checkpoints'),
      },
      exec: (sql) => current.exec(sql),
      reopen: async () => {
        await current.close();
        current = await open();
        return current;
      },
      dispose: async (last) => {
        try {
          if (last instanceof PostgresAuditStore) await last.dropSchema();
        } finally {
          await last.close();
        }
      },
    };
  },
  skip === undefined ? {} : { skip },
);
