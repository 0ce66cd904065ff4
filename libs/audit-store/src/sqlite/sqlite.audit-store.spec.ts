import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAuditStoreContract } from '../testing/audit-store.contract.js';
import { SqliteAuditStore } from './sqlite.audit-store.js';

runAuditStoreContract('SqliteAuditStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-audit-'));
  const path = join(dir, 'audit.db');
  const open = async (): Promise<SqliteAuditStore> => {
    const store = new SqliteAuditStore({ path });
    await store.migrate();
    return store;
  };
  let current = await open();
  return {
    store: current,
    tables: {
      records: 'audit_records',
      subjects: 'audit_subjects',
      payloads: 'audit_payloads',
      heads: 'audit_heads',
      checkpoints: 'audit_checkpoints',
    },
    exec: async (sql) => current.exec(sql),
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
