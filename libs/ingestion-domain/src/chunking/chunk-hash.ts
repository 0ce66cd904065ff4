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
  const collapsed = collapseWhitespace(text);
  return NON_ASCII.test(collapsed) ? collapsed.normalize('NFC') : collapsed;
}

const NON_ASCII = /[^\u0000-\u007f]/;

/** `text.replace(/\s+/g, ' ').trim()` in one pass that copies only around the runs it changes. */
function collapseWhitespace(text: string): string {
  const n = text.length;
  let i = 0;
  while (i < n && isWhitespace(text.charCodeAt(i))) i++;
  let out = '';
  let start = i;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (!isWhitespace(c)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && isWhitespace(text.charCodeAt(j))) j++;
    if (j === n) return out + text.slice(start, i);
    if (c !== 32 || j > i + 1) {
      out += `${text.slice(start, i)} `;
      start = j;
    }
    i = j;
  }
  return out + text.slice(start);
}

/** What `\s` matches (and `trim` removes): ECMAScript WhiteSpace and LineTerminator. */
function isWhitespace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}
