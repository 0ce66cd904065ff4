import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDocumentRegistryContract } from '../testing/document-registry.contract.js';
import { SqliteDocumentRegistry } from './sqlite.document-registry.js';

runDocumentRegistryContract('SqliteDocumentRegistry', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-registry-'));
  const path = join(dir, 'registry.db');
  const open = async (): Promise<SqliteDocumentRegistry> => {
    const registry = new SqliteDocumentRegistry({ path });
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
      await last.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
