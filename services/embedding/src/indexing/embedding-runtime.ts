import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { acquireEmbedder, type CachedEmbedder } from '@cairn/embeddings';
import { HealthRegistry } from '@cairn/observability';
import { PLATFORM_CONFIG } from '@cairn/platform';
import { acquireVectorStore, type VectorStore } from '@cairn/vector-store';
import type { EmbeddingServiceConfig } from '../embedding.config.js';

/** The embedder and the vector store this service writes, shared with other services in one process. */
@Injectable()
export class EmbeddingRuntime implements OnApplicationShutdown {
  readonly store: VectorStore;
  private readonly embedderPromise: Promise<CachedEmbedder>;
  private readonly releases: Array<() => Promise<void>> = [];
  private readonly ensured = new Set<string>();

  constructor(@Inject(PLATFORM_CONFIG) config: EmbeddingServiceConfig, health: HealthRegistry) {
    const vectors = acquireVectorStore(config);
    const embedder = acquireEmbedder(config);
    this.store = vectors.store;
    this.embedderPromise = embedder.embedder;
    this.releases.push(vectors.release, embedder.release);
    health.register('vector-store', async () => {
      const status = await this.store.health();
      if (!status.ok) throw new Error(status.detail ?? 'vector store is not healthy');
    });
  }

  embedder(): Promise<CachedEmbedder> {
    return this.embedderPromise;
  }

  /** The model's collection exists (created once per process). */
  async ensureCollection(): Promise<CachedEmbedder> {
    const embedder = await this.embedderPromise;
    const { name, dimension } = embedder.model;
    if (!this.ensured.has(name)) {
      await this.store.ensureCollection({ model: name, dimension });
      this.ensured.add(name);
    }
    return embedder;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const release of this.releases.splice(0)) await release();
  }
}
