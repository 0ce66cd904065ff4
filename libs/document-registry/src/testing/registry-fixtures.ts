import { randomUUID } from 'node:crypto';
import type { ChunkRecord, RecordVersionInput } from '../document-registry.port.js';

/** Chunks whose ids and hashes derive from `tag`, so chunk sets of different versions differ. */
export function chunksFor(tag: string, count: number): ChunkRecord[] {
  return Array.from({ length: count }, (_, index) => ({
    chunkId: `${tag}-c${index}`,
    chunkHash: `h-${tag}-${index}`,
    index,
    startOffset: index * 100,
    endOffset: index * 100 + 99,
    headingPath: ['Doc', `Section ${index}`],
    tokenCount: 20 + index,
  }));
}

/** A `recordVersion` input for (tenant, collection `docs`, externalId) with content `hash`. */
export function versionInput(
  tenant: string,
  externalId: string,
  hash: string,
  overrides: Partial<RecordVersionInput> = {},
): RecordVersionInput {
  return {
    tenant,
    collection: 'docs',
    externalId,
    title: `Title of ${externalId}`,
    sourceUri: `file:///${externalId}.md`,
    mimeType: 'text/markdown',
    metadata: { lang: 'en', source: externalId },
    contentHash: hash,
    sizeBytes: 1234,
    chunks: chunksFor(hash, 3),
    ...overrides,
  };
}

/** A tenant name no other test uses. */
export function freshTenant(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}
