import { join, resolve } from 'node:path';
import type { FactoryProvider } from '@nestjs/common';
import {
  createDocumentRegistry,
  DOCUMENT_STATUSES,
  type DocumentRegistry,
  type RegistryCounts,
} from '@cairn/document-registry';
import { HealthRegistry } from '@cairn/observability';
import { PLATFORM_CONFIG, TenantCountsRegistry, type TenantCountValue } from '@cairn/platform';
import type { IngestionConfig } from '../ingestion.config.js';

/** Injection token of the ingestion service's document registry. */
export const DOCUMENT_REGISTRY = Symbol('DOCUMENT_REGISTRY');

/**
 * SQLite in the data dir (embedded) or PostgreSQL (distributed), chosen by config; migrated at start.
 * Registers its readiness check and the tenant's document counts (`cairn status`).
 */
export const documentRegistryProvider: FactoryProvider<DocumentRegistry> = {
  provide: DOCUMENT_REGISTRY,
  inject: [PLATFORM_CONFIG, HealthRegistry, TenantCountsRegistry],
  useFactory: async (config: IngestionConfig, health: HealthRegistry, counts: TenantCountsRegistry) => {
    const { registryBackend, postgresUrl } = config.ingestion;
    if (registryBackend === 'postgres' && !postgresUrl) {
      throw new Error(
        'CAIRN_INGESTION_POSTGRES_URL is required when CAIRN_INGESTION_REGISTRY_BACKEND=postgres',
      );
    }
    const registry = createDocumentRegistry(
      registryBackend === 'postgres'
        ? { backend: 'postgres', url: postgresUrl }
        : { backend: 'sqlite', path: join(resolve(config.dataDir), 'documents.db') },
    );
    await registry.migrate();
    health.register('document-registry', async () => {
      await registry.health();
    });
    counts.register('ingestion', async (tenant) => documentCounts(await registry.counts(tenant)));
    return registry;
  },
};

/** `documents` (tombstones excluded), `chunks`, and `documents.<status>` for every status. */
export function documentCounts(counts: RegistryCounts): TenantCountValue[] {
  return [
    { name: 'documents', value: counts.documents },
    { name: 'chunks', value: counts.chunks },
    ...DOCUMENT_STATUSES.map((status) => ({ name: `documents.${status}`, value: counts.byStatus[status] })),
  ];
}
