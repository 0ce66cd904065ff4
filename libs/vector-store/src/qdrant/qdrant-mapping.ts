import { createHash } from 'node:crypto';
import type { Schemas } from '@qdrant/js-client-rest';
import type { ChunkPayload, ChunkPoint, FilterCondition, PointFilter } from '../vector-store.port.js';
import { VectorStoreError } from '../vector-store.port.js';

/** Fixed UUID namespace for chunk point ids (random, generated once for Cairn). */
const POINT_NAMESPACE = Buffer.from('6f1c2b9e5d3a4c7e8b0a1f2e3d4c5b6a', 'hex');

/**
 * Deterministic point id: a UUIDv5 (SHA-1, RFC 9562) of tenant + chunk id. The tenant is part of the name so
 * two tenants' chunks can never overwrite each other even if their chunk ids collide.
 */
export function pointId(tenant: string, chunkId: string): string {
  const hash = createHash('sha1')
    .update(POINT_NAMESPACE)
    .update(`${tenant}\u0000${chunkId}`, 'utf8')
    .digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const PAYLOAD_KEYS: Record<string, string> = {
  collection: 'collection',
  documentId: 'document_id',
  chunkHash: 'chunk_hash',
  sourceUri: 'source_uri',
  title: 'title',
};

/** Qdrant payload key of a port filter key. */
export function payloadKey(key: string): string {
  if (key.startsWith('metadata.') && key.length > 'metadata.'.length) return key;
  const mapped = PAYLOAD_KEYS[key];
  if (!mapped) throw new VectorStoreError(`unknown filter key ${key}`);
  return mapped;
}

function condition(cond: FilterCondition): Schemas['FieldCondition'] {
  const key = payloadKey(cond.key);
  return 'equals' in cond ? { key, match: { value: cond.equals } } : { key, match: { any: cond.anyOf } };
}

/** Qdrant filter for a tenant plus optional collections and port filter; the tenant condition is always first. */
export function toQdrantFilter(
  tenant: string,
  collections?: readonly string[],
  filter?: PointFilter,
): Schemas['Filter'] {
  const must: Schemas['Condition'][] = [{ key: 'tenant', match: { value: tenant } }];
  if (collections && collections.length > 0)
    must.push({ key: 'collection', match: { any: [...collections] } });
  must.push(...(filter?.must ?? []).map(condition));
  const mustNot = (filter?.mustNot ?? []).map(condition);
  return mustNot.length > 0 ? { must, must_not: mustNot } : { must };
}

/** Payload stored in Qdrant for a chunk (snake_case, metadata nested). */
export function toPayload(point: ChunkPoint): Record<string, unknown> {
  return {
    chunk_id: point.id,
    tenant: point.tenant,
    collection: point.collection,
    document_id: point.documentId,
    document_version: point.documentVersion,
    chunk_hash: point.chunkHash,
    text: point.text,
    title: point.title,
    source_uri: point.sourceUri,
    heading_path: point.headingPath,
    start_offset: point.startOffset,
    end_offset: point.endOffset,
    metadata: point.metadata,
  };
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const num = (value: unknown): number => (typeof value === 'number' ? value : 0);

/** Chunk payload from a Qdrant payload (missing fields become empty values). */
export function fromPayload(payload: Record<string, unknown> | null | undefined): ChunkPayload {
  const p = payload ?? {};
  const metadata = p['metadata'];
  return {
    id: str(p['chunk_id']),
    tenant: str(p['tenant']),
    collection: str(p['collection']),
    documentId: str(p['document_id']),
    documentVersion: num(p['document_version']),
    chunkHash: str(p['chunk_hash']),
    text: str(p['text']),
    title: str(p['title']),
    sourceUri: str(p['source_uri']),
    headingPath: Array.isArray(p['heading_path']) ? p['heading_path'].map(String) : [],
    startOffset: num(p['start_offset']),
    endOffset: num(p['end_offset']),
    metadata:
      metadata && typeof metadata === 'object'
        ? Object.fromEntries(
            Object.entries(metadata as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
          )
        : {},
  };
}
