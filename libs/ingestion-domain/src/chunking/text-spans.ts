/** A span [start, end) of a text, in UTF-16 code units. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

const sentenceSegmenter = new Intl.Segmenter(undefined, { granularity: 'sentence' });

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 11 || c === 0xa0;
}

/** Narrows a span to its non-whitespace content; undefined when blank. */
export function trimSpan(text: string, start: number, end: number): Span | undefined {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return end > start ? { start, end } : undefined;
}

/** Paragraphs of text[start, end): runs of lines separated by blank lines. Linear scan. */
export function paragraphSpans(text: string, start: number, end: number): Span[] {
  const out: Span[] = [];
  let paraStart = start;
  let lineStart = start;
  let lineBlank = true;
  for (let i = start; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : 10;
    if (c === 10) {
      if (lineBlank || i === end) {
        const s = trimSpan(text, paraStart, lineBlank ? lineStart : end);
        if (s) out.push(s);
        paraStart = i + 1;
      }
      lineStart = i + 1;
      lineBlank = true;
    } else if (lineBlank && !isSpace(c)) {
      lineBlank = false;
    }
  }
  return out;
}

/** Sentences of text[start, end) by Intl.Segmenter, trimmed. */
export function sentenceSpans(text: string, start: number, end: number): Span[] {
  const out: Span[] = [];
  for (const seg of sentenceSegmenter.segment(text.slice(start, end))) {
    const s = trimSpan(text, start + seg.index, start + seg.index + seg.segment.length);
    if (s) out.push(s);
  }
  return out;
}

/** Words of text[start, end): maximal runs of non-whitespace. */
export function wordSpans(text: string, start: number, end: number): Span[] {
  const out: Span[] = [];
  let wordStart = -1;
  for (let i = start; i <= end; i++) {
    const space = i === end || isSpace(text.charCodeAt(i));
    if (space && wordStart >= 0) {
      out.push({ start: wordStart, end: i });
      wordStart = -1;
    } else if (!space && wordStart < 0) {
      wordStart = i;
    }
  }
  return out;
}
