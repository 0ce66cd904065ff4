import { join, resolve } from 'node:path';
import { z } from 'zod';
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
    })
    .prefault({}),
};

export interface VectorTierConfig {
  readonly dataDir: string;
  readonly vectorStore: {
    backend: 'embedded' | 'qdrant';
    qdrantUrl?: string | undefined;
    qdrantApiKey?: string | undefined;
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
        : new EmbeddedVectorStore({ directory: join(resolve(config.dataDir), 'vectors') });
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
