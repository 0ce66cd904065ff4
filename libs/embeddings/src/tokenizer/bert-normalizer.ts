/**
 * BERT "basic tokenizer" for uncased models: clean the text, isolate CJK ideographs, strip accents,
 * lowercase, then split on whitespace and punctuation. Mirrors the reference BertNormalizer +
 * BertPreTokenizer (clean_text, handle_chinese_chars, strip_accents = lowercase = true).
 */

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const CONTROL = /\p{C}/u; // Cc, Cf, Cs, Co, Cn (tab, newline and CR are handled as whitespace first)
const WHITESPACE = /\p{White_Space}/u;
const NONSPACING_MARK = /\p{Mn}/gu;
const PUNCTUATION = /\p{P}/u;

function isAsciiPunctuation(cp: number): boolean {
  return (
    (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)
  );
}

/** Code points that BERT treats as CJK ideographs (each one becomes its own word). */
export function isCjkIdeograph(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

function isWhitespaceChar(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || WHITESPACE.test(ch);
}

/** Removes NUL, U+FFFD and control/format characters; maps every whitespace character to a space. */
function cleanText(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0 || cp === 0xfffd) continue;
    if (isWhitespaceChar(ch)) {
      out += ' ';
      continue;
    }
    if (CONTROL.test(ch)) continue;
    out += ch;
  }
  return out;
}

/** Lowercases code point by code point (no context-dependent final sigma), as the reference does. */
function lowercase(text: string): string {
  if (!text.includes('Σ')) return text.toLowerCase();
  let out = '';
  for (const ch of text) out += ch.toLowerCase();
  return out;
}

/** Normalizes text the way uncased BERT does before splitting into words. */
export function normalizeBertText(text: string): string {
  if (PRINTABLE_ASCII.test(text)) return text.toLowerCase();
  const cleaned = cleanText(text);
  const stripped = cleaned.normalize('NFD').replace(NONSPACING_MARK, '');
  return lowercase(stripped);
}

/**
 * Splits normalized text into words: whitespace separates, and every punctuation character and
 * CJK ideograph is a word by itself.
 */
export function splitBertWords(normalized: string): string[] {
  const words: string[] = [];
  let current = '';
  for (const ch of normalized) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 128) {
      if (cp === 32 || cp === 9 || cp === 10 || cp === 13) {
        if (current) words.push(current);
        current = '';
      } else if (isAsciiPunctuation(cp)) {
        if (current) words.push(current);
        words.push(ch);
        current = '';
      } else {
        current += ch;
      }
    } else if (isWhitespaceChar(ch)) {
      if (current) words.push(current);
      current = '';
    } else if (PUNCTUATION.test(ch) || isCjkIdeograph(cp)) {
      if (current) words.push(current);
      words.push(ch);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current) words.push(current);
  return words;
}

/** Basic tokenization: normalize, then split into words. */
export function basicTokenize(text: string): string[] {
  return splitBertWords(normalizeBertText(text));
}

/** ASCII with no control character other than the whitespace ones (which cleaning maps to spaces). */
const PLAIN_ASCII = /^[\t\n\v\f\r\x20-\x7e]*$/;
const ASCII_CHARS = Array.from({ length: 128 }, (_, cp) => String.fromCharCode(cp));

/**
 * Calls `visit` with each word of `basicTokenize(text)`, in order. For plain ASCII text (the common
 * case) it scans the lowercased text once and slices the words out, with no per-character strings:
 * cleaning maps \t \n \v \f \r to spaces, NFD and accent stripping change nothing, so the words are
 * the same.
 */
export function forEachBertWord(text: string, visit: (word: string) => void): void {
  if (!PLAIN_ASCII.test(text)) {
    for (const word of basicTokenize(text)) visit(word);
    return;
  }
  const lower = text.toLowerCase();
  let start = -1;
  for (let i = 0; i < lower.length; i++) {
    const cp = lower.charCodeAt(i);
    if (cp === 32 || (cp >= 9 && cp <= 13)) {
      if (start >= 0) visit(lower.slice(start, i));
      start = -1;
    } else if (isAsciiPunctuation(cp)) {
      if (start >= 0) visit(lower.slice(start, i));
      start = -1;
      visit(ASCII_CHARS[cp] as string);
    } else if (start < 0) {
      start = i;
    }
  }
  if (start >= 0) visit(lower.slice(start));
}
