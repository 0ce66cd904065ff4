import type { ParsedDocument } from './parsed-document.js';

/** Plain text: line endings normalised to `\n`; one section without headings spanning the non-blank text. */
export function parsePlainText(raw: string): ParsedDocument {
  const text = raw.replace(/\r\n?/g, '\n');
  let start = 0;
  while (start < text.length && isSpace(text.charCodeAt(start))) start++;
  let end = text.length;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return { text, sections: end > start ? [{ headingPath: [], start, end }] : [] };
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 11 || c === 0xa0 || c === 0xfeff;
}
