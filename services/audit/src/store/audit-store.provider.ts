import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FactoryProvider } from '@nestjs/common';
import { createAuditStore, type AuditStore } from '@cairn/audit-store';
import { HealthRegistry } from '@cairn/observability';
import { PLATFORM_CONFIG, TenantCountsRegistry } from '@cairn/platform';
import type { AuditConfig } from '../audit.config.js';

/** Injection token of the audit service's store. */
export const AUDIT_STORE = Symbol('AUDIT_STORE');

/**
 * SQLite in the data dir (embedded) or PostgreSQL (distributed), chosen by config; migrated at start.
 * Registers its readiness check and the tenant's record count (`cairn status`): the head's
 * sequence, since a trail is numbered 1, 2, 3, … without gaps.
 */
export const auditStoreProvider: FactoryProvider<AuditStore> = {
  provide: AUDIT_STORE,
  inject: [PLATFORM_CONFIG, HealthRegistry, TenantCountsRegistry],
  useFactory: async (config: AuditConfig, health: HealthRegistry, counts: TenantCountsRegistry) => {
    const { storeBackend, postgresUrl, postgresSchema } = config.audit;
    if (storeBackend === 'postgres' && !postgresUrl)
      throw new Error('CAIRN_AUDIT_POSTGRES_URL is required when CAIRN_AUDIT_STORE_BACKEND=postgres');
    const store = createAuditStore(
      storeBackend === 'postgres'
        ? { backend: 'postgres', url: postgresUrl, schema: postgresSchema }
        : { backend: 'sqlite', path: join(dataDir(config), 'audit.db') },
    );
    await store.migrate();
    health.register('audit-store', async () => {
      const status = await store.health();
      if (!status.ok) throw new Error(`audit store (${status.backend}): ${status.detail ?? 'not answering'}`);
    });
    counts.register('audit', async (tenant) => [
      { name: 'records', value: (await store.head(tenant))?.sequence ?? 0 },
    ]);
    return store;
  },
};

function dataDir(config: AuditConfig): string {
  const dir = resolve(config.dataDir);
  mkdirSync(dir, { recursive: true });
  return dir;
}
