import { join, resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_HNSW, type HnswParams } from './embedded/ann-index.js';
import { EmbeddedVectorStore } from './embedded/embedded.vector-store.js';
import { QdrantVectorStore } from './qdrant/qdrant.vector-store.js';
import type { VectorStore } from './vector-store.port.js';

/** Config keys of the vector tier, shared by the services that write and read it. */
export const vectorTierConfigShape = {
  vectorStore: z
    .object({
      backend: z
        .enum(['embedded', 'qdrant'])
        .default('embedded')
        .describe('Vector tier: the embedded store in <dataDir>/vectors, or Qdrant.'),
      qdrantUrl: z.string().url().optional().describe('Qdrant REST URL (qdrant backend).'),
      qdrantApiKey: z.string().optional().describe('Qdrant API key, if the server requires one.'),
      annThreshold: z.coerce
        .number()
        .int()
        .min(1)
        .default(20_000)
        .describe(
          'Embedded store: searches over at least this many points use the HNSW index, smaller ones are exact.',
        ),
      hnsw: z
        .object({
          connectivity: z.coerce
            .number()
            .int()
            .min(4)
            .max(64)
            .default(DEFAULT_HNSW.connectivity)
            .describe('Embedded store: HNSW graph degree M (a change rebuilds the saved indexes).'),
          expansionAdd: z.coerce
            .number()
            .int()
            .min(8)
            .max(1024)
            .default(DEFAULT_HNSW.expansionAdd)
            .describe('Embedded store: HNSW efConstruction (a change rebuilds the saved indexes).'),
          expansionSearch: z.coerce
            .number()
            .int()
            .min(8)
            .max(4096)
            .default(DEFAULT_HNSW.expansionSearch)
            .describe('Embedded store: HNSW efSearch, recall against latency.'),
          quantization: z
            .enum(['f16', 'f32'])
            .default(DEFAULT_HNSW.quantization)
            .describe('Embedded store: precision of the vectors in the HNSW index (scores stay exact).'),
        })
        .prefault({}),
    })
    .prefault({}),
};

export interface VectorTierConfig {
  readonly dataDir: string;
  readonly vectorStore: {
    backend: 'embedded' | 'qdrant';
    qdrantUrl?: string | undefined;
    qdrantApiKey?: string | undefined;
    annThreshold?: number | undefined;
    hnsw?: Partial<HnswParams> | undefined;
  };
}

interface SharedStore {
  readonly store: VectorStore;
  users: number;
}
const shared = new Map<string, SharedStore>();

/**
 * The process's vector store for this config. Services composed in one process (the all-in-one)
 * share one instance, so the writer's index is the reader's; it closes when its last user releases it.
 */
export function acquireVectorStore(config: VectorTierConfig): {
  store: VectorStore;
  release: () => Promise<void>;
} {
  const { backend, qdrantUrl, qdrantApiKey } = config.vectorStore;
  if (backend === 'qdrant' && !qdrantUrl) {
    throw new Error('CAIRN_VECTOR_STORE_QDRANT_URL is required when CAIRN_VECTOR_STORE_BACKEND=qdrant');
  }
  const key = backend === 'qdrant' ? `qdrant:${qdrantUrl}` : `embedded:${resolve(config.dataDir)}`;
  let entry = shared.get(key);
  if (!entry) {
    const store: VectorStore =
      backend === 'qdrant'
        ? new QdrantVectorStore({
            url: qdrantUrl as string,
            ...(qdrantApiKey ? { apiKey: qdrantApiKey } : {}),
          })
        : new EmbeddedVectorStore({
            directory: join(resolve(config.dataDir), 'vectors'),
            ...(config.vectorStore.annThreshold === undefined
              ? {}
              : { annThreshold: config.vectorStore.annThreshold }),
            ...(config.vectorStore.hnsw === undefined ? {} : { hnsw: config.vectorStore.hnsw }),
          });
    entry = { store, users: 0 };
    shared.set(key, entry);
  }
  entry.users++;
  const acquired = entry;
  let released = false;
  return {
    store: acquired.store,
    release: async () => {
      if (released) return;
      released = true;
      acquired.users--;
      if (acquired.users === 0) {
        shared.delete(key);
        await acquired.store.close();
      }
    },
  };
}
