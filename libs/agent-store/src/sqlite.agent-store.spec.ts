import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentStore } from './create-agent-store.js';
import { runAgentStoreContract } from './testing/agent-store.contract.js';

runAgentStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-agent-store-'));
  const open = async () => {
    const store = createAgentStore({ backend: 'sqlite', path: join(dir, 'agent.db') });
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
    dispose: async (last) => {
      await last.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
