import { randomUUID } from 'node:crypto';
import { postgresForTests } from '@cairn/testing';
import { createAgentStore } from './create-agent-store.js';
import { runAgentStoreContract } from './testing/agent-store.contract.js';

const { url, skip } = postgresForTests('AgentStore on PostgreSQL');

runAgentStoreContract(
  'PostgreSQL',
  async () => {
    const schema = `agent_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    const open = async () => {
      const store = createAgentStore({ backend: 'postgres', url, schema, maxConnections: 4 });
      await store.migrate();
      return store;
    };
    let current = await open();
    return {
      store: current,
      reopen: async () => {
        await current.close();
        current = await open();
        return current;
      },
      dispose: async () => {
        try {
          await current.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await current.close();
        }
      },
    };
  },
  skip,
);
