import type { EmbeddingProvider } from './embedding-provider.port.js';
import { HashEmbeddingProvider } from './providers/hash.embedding-provider.js';
import { LocalEmbeddingProvider } from './providers/local.embedding-provider.js';
import {
  OpenAiEmbeddingProvider,
  type OpenAiEmbeddingOptions,
} from './providers/openai.embedding-provider.js';

/** Which embedding adapter to use and its settings (taken from the service's validated config). */
export interface EmbeddingProviderConfig {
  readonly provider: 'local' | 'openai' | 'hash';
  /** `local`: directory with `model.onnx` and `vocab.txt` (from `scripts/fetch-model.sh`). */
  readonly modelDir?: string;
  /** `local`: ONNX Runtime intra-op threads (default: all cores). */
  readonly intraOpThreads?: number;
  /** `openai`: endpoint and model; further tuning fields of {@link OpenAiEmbeddingOptions} are accepted. */
  readonly openai?: OpenAiEmbeddingOptions;
  /** `hash`: vector length (default 384). */
  readonly hash?: { readonly dimension?: number };
}

/** The one place that picks an {@link EmbeddingProvider} adapter from config. */
export async function createEmbeddingProvider(config: EmbeddingProviderConfig): Promise<EmbeddingProvider> {
  switch (config.provider) {
    case 'local': {
      if (!config.modelDir) throw new Error('embeddings: provider "local" needs modelDir');
      return LocalEmbeddingProvider.create({
        modelDir: config.modelDir,
        ...(config.intraOpThreads !== undefined ? { intraOpThreads: config.intraOpThreads } : {}),
      });
    }
    case 'openai': {
      if (!config.openai)
        throw new Error('embeddings: provider "openai" needs openai.{baseUrl, model, dimension}');
      return new OpenAiEmbeddingProvider(config.openai);
    }
    case 'hash':
      return new HashEmbeddingProvider(config.hash ?? {});
  }
}
