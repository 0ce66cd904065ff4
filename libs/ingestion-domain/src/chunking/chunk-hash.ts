import { createHash } from 'node:crypto';

/**
 * Hash of a chunk's content: lowercase hex SHA-256 of its text with whitespace runs collapsed (NFC)
 * and its heading path, so layout-only changes keep the hash and a move under another heading does not.
 */
export function chunkHash(text: string, headingPath: readonly string[]): string {
  return createHash('sha256')
    .update(normalizeForHash(text))
    .update('\u0000')
    .update(headingPath.join('\u001f'))
    .digest('hex');
}

/** Whitespace runs → one space, trimmed, NFC (skipped for ASCII text, which NFC cannot change). */
export function normalizeForHash(text: string): string {
  // Most chunks are prose with single spaces only: then there is no run to collapse.
  const collapsed = (WHITESPACE_RUN.test(text) ? text.replace(/\s+/g, ' ') : text).trim();
  return NON_ASCII.test(collapsed) ? collapsed.normalize('NFC') : collapsed;
}

const NON_ASCII = /[^\u0000-\u007f]/;
/** Whitespace that `\s+ → ' '` would change: any whitespace but a lone space. */
const WHITESPACE_RUN = /[^\S ]| {2}/;
