import type { Chunk } from '../chunking/chunk.js';

/** What changes in the index when a document moves to a new version. */
export interface ChunkDiff {
  /** Chunks new in this version: embed them. */
  readonly toEmbed: Chunk[];
  /** Chunks whose content (hash) already existed: keep their embeddings. */
  readonly retained: Chunk[];
  /** Hashes of previous chunks absent from this version (once per missing occurrence): remove them. */
  readonly removedHashes: string[];
  /** The same, with each one's occurrence number, to compute the removed chunk ids (`chunkId(documentId, hash, occurrence)`). */
  readonly removed: Array<{ readonly hash: string; readonly occurrence: number }>;
}

/**
 * Compares the previous version's chunk hashes (in document order, duplicates allowed) with the new chunks,
 * as multisets: each previous occurrence of a hash can retain one new chunk with that hash.
 * An unchanged document yields nothing to embed and nothing to remove.
 */
export function diffChunks(previousChunkHashes: readonly string[], next: readonly Chunk[]): ChunkDiff {
  const available = new Map<string, number>();
  for (const h of previousChunkHashes) available.set(h, (available.get(h) ?? 0) + 1);
  const toEmbed: Chunk[] = [];
  const retained: Chunk[] = [];
  for (const chunk of next) {
    const left = available.get(chunk.hash) ?? 0;
    if (left > 0) {
      available.set(chunk.hash, left - 1);
      retained.push(chunk);
    } else {
      toEmbed.push(chunk);
    }
  }
  // Previous occurrence n of a hash is kept iff the new version has more than n chunks with that hash.
  const nextCount = new Map<string, number>();
  for (const chunk of next) nextCount.set(chunk.hash, (nextCount.get(chunk.hash) ?? 0) + 1);
  const removed: Array<{ hash: string; occurrence: number }> = [];
  const seen = new Map<string, number>();
  for (const hash of previousChunkHashes) {
    const occurrence = seen.get(hash) ?? 0;
    seen.set(hash, occurrence + 1);
    if (occurrence >= (nextCount.get(hash) ?? 0)) removed.push({ hash, occurrence });
  }
  const removedHashes = removed.map((r) => r.hash);
  return { toEmbed, retained, removedHashes, removed };
}
