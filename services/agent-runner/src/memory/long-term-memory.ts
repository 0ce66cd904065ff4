import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { acquireEmbedder, type CachedEmbedder } from '@cairn/embeddings';
import { PLATFORM_CONFIG } from '@cairn/platform';
import { acquireVectorStore, SparseEncoder, type VectorStore } from '@cairn/vector-store';
import type { AgentRunnerConfig } from '../agent-runner.config.js';

/** A remembered fact. */
export interface Memory {
  readonly id: string;
  readonly text: string;
}

/** Where a memory came from. */
export interface MemorySource {
  readonly agent: string;
  readonly runId: string;
}

/** Logical collection of memory points (they live in a vector collection of their own). */
const MEMORY_COLLECTION = 'memory';
/** Memories less similar than this to the input are not recalled (cosine). */
const MIN_RECALL_SIMILARITY = 0.25;
const MAX_MEMORY_CHARS = 2_000;

/**
 * Long-term memory per tenant and user, in the vector tier: what the `remember` tool stores, recalled
 * by similarity at the start of a run. Memories sit in their own vector collection (the store's
 * model key `<embedding model>:memory`), so document search never returns them; every read and write
 * is scoped to the tenant, and reads to the user.
 */
@Injectable()
export class LongTermMemory implements OnApplicationShutdown {
  private readonly sparse = new SparseEncoder();
  private readonly releases: Array<() => Promise<void>> = [];
  private backends: { store: VectorStore; embedder: Promise<CachedEmbedder> } | undefined;
  private ready: Promise<string> | undefined;

  constructor(@Inject(PLATFORM_CONFIG) private readonly config: AgentRunnerConfig) {}

  /** The vector store and the embedder, opened on first use (a runner whose agents never remember loads no model). */
  private get store(): VectorStore {
    return this.open().store;
  }

  private get embedder(): Promise<CachedEmbedder> {
    return this.open().embedder;
  }

  private open(): { store: VectorStore; embedder: Promise<CachedEmbedder> } {
    if (!this.backends) {
      const vectors = acquireVectorStore(this.config);
      const embedder = acquireEmbedder(this.config);
      this.releases.push(vectors.release, embedder.release);
      this.backends = { store: vectors.store, embedder: embedder.embedder };
    }
    return this.backends;
  }

  /** Stores a memory (the same text for the same user is one memory); returns its id. */
  async remember(tenant: string, userId: string, text: string, source: MemorySource): Promise<string> {
    const content = text.trim().slice(0, MAX_MEMORY_CHARS);
    const id = memoryId(tenant, userId, content);
    const model = await this.collection();
    const [dense] = await (await this.embedder).embed([content]);
    if (!dense) throw new Error('the embedder returned no vector for the memory');
    await this.store.upsert(model, [
      {
        id,
        tenant,
        collection: MEMORY_COLLECTION,
        documentId: id,
        documentVersion: 1,
        chunkHash: createHash('sha256').update(content).digest('hex'),
        text: content,
        title: '',
        sourceUri: `cairn:run/${source.runId}`,
        headingPath: [],
        startOffset: 0,
        endOffset: content.length,
        metadata: { user: userId, agent: source.agent, run_id: source.runId },
        dense,
        sparse: this.sparse.encodeDocument(content),
      },
    ]);
    return id;
  }

  /** The user's memories most similar to `query`, most similar first. */
  async recall(tenant: string, userId: string, query: string, topK: number): Promise<Memory[]> {
    const model = await this.collection();
    const [vector] = await (await this.embedder).embed([query.slice(0, MAX_MEMORY_CHARS)]);
    if (!vector) return [];
    const hits = await this.store.search(model, {
      tenant,
      collections: [MEMORY_COLLECTION],
      filter: { must: [{ key: 'metadata.user', equals: userId }] },
      mode: 'dense',
      vector,
      topK,
      minScore: MIN_RECALL_SIMILARITY,
    });
    return hits.map((hit) => ({ id: hit.id, text: hit.text }));
  }

  async onApplicationShutdown(): Promise<void> {
    for (const release of this.releases.splice(0)) await release();
  }

  private collection(): Promise<string> {
    this.ready ??= (async () => {
      const embedder = await this.embedder;
      const model = `${embedder.model.name}:memory`;
      await this.store.ensureCollection({ model, dimension: embedder.model.dimension });
      return model;
    })();
    return this.ready;
  }
}

function memoryId(tenant: string, userId: string, text: string): string {
  return `mem_${createHash('sha256').update(`${tenant}\u0000${userId}\u0000${text}`).digest('hex').slice(0, 32)}`;
}
