import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { acquireEmbedder, WordPieceTokenizer, type CachedEmbedder } from '@cairn/embeddings';
import { HealthRegistry } from '@cairn/observability';
import { PLATFORM_CONFIG } from '@cairn/platform';
import {
  acquireVectorStore,
  SparseEncoder,
  type PointFilter,
  type ScoredPoint,
  type SearchMode,
  type VectorStore,
} from '@cairn/vector-store';
import type { RetrievalConfig } from '../retrieval.config.js';

/** A search as the service understands it (transport-free). */
export interface SearchQuery {
  readonly tenant: string;
  readonly query: string;
  readonly collections: readonly string[];
  readonly filter: PointFilter;
  readonly topK: number;
  readonly mode: SearchMode;
  readonly minScore: number;
}

/** Embeds the query, searches the vector tier (dense, keyword or hybrid) for the caller's tenant only. */
@Injectable()
export class Retriever implements OnApplicationShutdown {
  private readonly store: VectorStore;
  private readonly embedder: Promise<CachedEmbedder>;
  private readonly releases: Array<() => Promise<void>>;
  private readonly sparse = new SparseEncoder();
  readonly tokenizer: WordPieceTokenizer;

  constructor(@Inject(PLATFORM_CONFIG) config: RetrievalConfig, health: HealthRegistry) {
    const vectors = acquireVectorStore(config);
    const embedder = acquireEmbedder(config);
    this.store = vectors.store;
    this.embedder = embedder.embedder;
    this.releases = [vectors.release, embedder.release];
    const vocab = join(config.modelDir, 'vocab.txt');
    if (!existsSync(vocab)) {
      throw new Error(
        `no WordPiece vocabulary at ${vocab}: run scripts/fetch-model.sh or set CAIRN_MODEL_DIR`,
      );
    }
    this.tokenizer = WordPieceTokenizer.fromVocabFile(vocab);
    health.register('vector-store', async () => {
      const status = await this.store.health();
      if (!status.ok) throw new Error(status.detail ?? 'vector store is not healthy');
    });
  }

  async modelName(): Promise<string> {
    return (await this.embedder).model.name;
  }

  async search(query: SearchQuery, signal?: AbortSignal): Promise<ScoredPoint[]> {
    const embedder = await this.embedder;
    const model = embedder.model.name;
    const needsDense = query.mode !== 'keyword';
    const [vector] = needsDense
      ? await embedder.embed([query.query], signal ? { signal } : undefined)
      : [undefined];
    await this.store.ensureCollection({ model, dimension: embedder.model.dimension });
    return this.store.search(model, {
      tenant: query.tenant,
      ...(query.collections.length > 0 ? { collections: [...query.collections] } : {}),
      filter: query.filter,
      mode: query.mode,
      ...(vector ? { vector } : {}),
      ...(query.mode !== 'dense' ? { sparse: this.sparse.encodeQuery(query.query) } : {}),
      topK: query.topK,
      ...(query.minScore > 0 ? { minScore: query.minScore } : {}),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    for (const release of this.releases.splice(0)) await release();
  }
}
