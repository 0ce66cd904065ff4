import { createHash } from 'node:crypto';

function digest64(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest('base64url');
}

/**
 * Platform id of a document: deterministic from (tenant, collection, external id), url-safe, `doc_` + 32 chars
 * (192 bits of SHA-256).
 */
export function documentId(tenant: string, collection: string, externalId: string): string {
  return `doc_${digest64(tenant, collection, externalId).slice(0, 32)}`;
}

/**
 * Id of a chunk: deterministic from its document id, its hash and its occurrence number (0 unless the same
 * chunk content occurs more than once in the document), so unchanged chunks keep their id across versions.
 */
export function chunkId(documentId: string, hash: string, occurrence = 0): string {
  return `chk_${digest64(documentId, hash, String(occurrence)).slice(0, 32)}`;
}
