import { join, resolve } from 'node:path';
import { z } from 'zod';
import { CachedEmbedder } from './cache/cached-embedder.js';
import { SqliteEmbeddingCache } from './cache/sqlite.embedding-cache.js';
import { createEmbeddingProvider } from './create-embedding-provider.js';

/** Config keys of the embedding model, shared by the services that embed documents and queries. */
export const embeddingConfigShape = {
  embedding: z
    .object({
      provider: z
        .enum(['local', 'openai', 'hash'])
        .default('local')
        .describe(
          'local: all-MiniLM-L6-v2 on ONNX Runtime; openai: an OpenAI-compatible /v1/embeddings; hash: tests only.',
        ),
      threads: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe('ONNX Runtime intra-op threads (local; default: all cores).'),
      openaiBaseUrl: z
        .string()
        .url()
        .optional()
        .describe('Base URL of the OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1.'),
      openaiApiKey: z.string().optional().describe('Bearer key of the OpenAI-compatible API.'),
      openaiModel: z.string().optional().describe('Model name sent to the OpenAI-compatible API.'),
      openaiDimension: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe('Vector size the OpenAI-compatible model returns.'),
      openaiTimeoutMs: z
        .number()
        .int()
        .min(100)
        .default(30_000)
        .describe(
          'How long one OpenAI-compatible request may take before it is abandoned and retried, in ms.',
        ),
      hashDimension: z.number().int().min(8).default(384).describe('Vector size of the hash provider.'),
    })
    .prefault({}),
};

export interface EmbeddingConfig {
  readonly dataDir: string;
  readonly modelDir: string;
  readonly embedding: z.infer<(typeof embeddingConfigShape)['embedding']>;
}

interface SharedEmbedder {
  readonly embedder: Promise<CachedEmbedder>;
  users: number;
}
const shared = new Map<string, SharedEmbedder>();

/**
 * The process's embedder: the configured provider behind the (model, chunk hash) cache in
 * `<dataDir>/embedding-cache.db`. Services in one process share it (one model in memory).
 */
export function acquireEmbedder(config: EmbeddingConfig): {
  embedder: Promise<CachedEmbedder>;
  release: () => Promise<void>;
} {
  const dataDir = resolve(config.dataDir);
  const key = `${dataDir}:${JSON.stringify(config.embedding)}:${config.modelDir}`;
  let entry = shared.get(key);
  if (!entry) {
    const e = config.embedding;
    const embedder = createEmbeddingProvider(
      e.provider === 'openai'
        ? {
            provider: 'openai',
            openai: {
              baseUrl: required(e.openaiBaseUrl, 'CAIRN_EMBEDDING_OPENAI_BASE_URL'),
              model: required(e.openaiModel, 'CAIRN_EMBEDDING_OPENAI_MODEL'),
              dimension: required(e.openaiDimension, 'CAIRN_EMBEDDING_OPENAI_DIMENSION'),
              timeoutMs: e.openaiTimeoutMs,
              ...(e.openaiApiKey ? { apiKey: e.openaiApiKey } : {}),
            },
          }
        : e.provider === 'hash'
          ? { provider: 'hash', hash: { dimension: e.hashDimension } }
          : {
              provider: 'local',
              modelDir: config.modelDir,
              ...(e.threads ? { intraOpThreads: e.threads } : {}),
            },
    ).then(
      (provider) =>
        new CachedEmbedder(provider, new SqliteEmbeddingCache(join(dataDir, 'embedding-cache.db'))),
    );
    entry = { embedder, users: 0 };
    shared.set(key, entry);
  }
  entry.users++;
  const acquired = entry;
  let released = false;
  return {
    embedder: acquired.embedder,
    release: async () => {
      if (released) return;
      released = true;
      acquired.users--;
      if (acquired.users === 0) {
        shared.delete(key);
        const embedder = await acquired.embedder.catch(() => undefined);
        await embedder?.close?.();
      }
    },
  };
}

function required<T>(value: T | undefined, key: string): T {
  if (value === undefined) throw new Error(`${key} is required when CAIRN_EMBEDDING_PROVIDER=openai`);
  return value;
}
