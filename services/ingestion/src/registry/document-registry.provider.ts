import { join, resolve } from 'node:path';
import type { FactoryProvider } from '@nestjs/common';
import { createDocumentRegistry, type DocumentRegistry } from '@cairn/document-registry';
import { HealthRegistry } from '@cairn/observability';
import { PLATFORM_CONFIG } from '@cairn/platform';
import type { IngestionConfig } from '../ingestion.config.js';

/** Injection token of the ingestion service's document registry. */
export const DOCUMENT_REGISTRY = Symbol('DOCUMENT_REGISTRY');

/** SQLite in the data dir (embedded) or PostgreSQL (distributed), chosen by config; migrated at start. */
export const documentRegistryProvider: FactoryProvider<DocumentRegistry> = {
  provide: DOCUMENT_REGISTRY,
  inject: [PLATFORM_CONFIG, HealthRegistry],
  useFactory: async (config: IngestionConfig, health: HealthRegistry) => {
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
    return registry;
  },
};
