import type { ParsedDocument } from './parsed-document.js';
import { TextBuilder } from './text-builder.js';

type Line =
  | { readonly kind: 'blank' }
  | { readonly kind: 'heading'; readonly depth: number; readonly text: string }
  | { readonly kind: 'bullet'; readonly text: string }
  | { readonly kind: 'paragraph'; readonly text: string };

const HEADING = /^(#{1,6}) (.+)$/;
const ORDERED_MARKER = /^\d{1,9}[.)]/;
/** ASCII characters with inline meaning in CommonMark (escapes, emphasis, links, HTML, entities) or in GFM. */
const INLINE_SYNTAX = /[\\*_[\]<>&~|]/;

/**
 * The fast path of `parseMarkdown` for the Markdown most documents are: ATX headings, paragraphs of
 * plain lines and one-line `- ` list items, with `code spans` as the only inline syntax. It reads the
 * document line by line and builds exactly what the mdast path builds; anything else (emphasis, links,
 * code blocks, quotes, ordered or nested lists, setext headings, HTML, escapes, entities, tabs, lines
 * that start with a space or end with one, lazy continuations, a list right after a paragraph...)
 * makes it return undefined, and the caller parses the document with mdast.
 */
export function parseSimpleMarkdown(source: string): ParsedDocument | undefined {
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c < 32 && c !== 10) return undefined;
  }
  const out = new TextBuilder();
  let firstH1: string | undefined;
  let firstHeading: string | undefined;
  let paragraph: string[] = [];
  let previous: Line['kind'] = 'blank';
  const endParagraph = (): void => {
    if (paragraph.length > 0) out.block(paragraph.join('\n'), false);
    paragraph = [];
  };
  for (const raw of source.split('\n')) {
    const line = classify(raw);
    if (!line || !follows(previous, line.kind)) return undefined;
    switch (line.kind) {
      case 'blank':
        endParagraph();
        break;
      case 'heading':
        out.heading(line.depth, line.text);
        firstHeading ??= line.text;
        if (line.depth === 1) firstH1 ??= line.text;
        break;
      case 'bullet':
        out.block(line.text, true);
        break;
      case 'paragraph':
        paragraph.push(line.text);
        break;
    }
    previous = line.kind;
  }
  endParagraph();
  return out.build(firstH1 ?? firstHeading);
}

/**
 * Which line may follow which without a blank line between, so that the block structure is the plain
 * one: a paragraph line after a list item would be a lazy continuation of the item, a list item after a
 * paragraph line would interrupt the paragraph, and a heading is kept to its own block.
 */
function follows(previous: Line['kind'], next: Line['kind']): boolean {
  switch (next) {
    case 'blank':
      return true;
    case 'heading':
      return previous === 'blank' || previous === 'heading';
    case 'bullet':
      return previous !== 'paragraph';
    case 'paragraph':
      return previous !== 'bullet';
  }
}

/** A line of the simple subset, with its inline text (code spans unwrapped); undefined when it is not one. */
function classify(line: string): Line | undefined {
  if (/^ *$/.test(line)) return { kind: 'blank' };
  if (line.endsWith(' ')) return undefined;
  const heading = HEADING.exec(line);
  if (heading) {
    const content = heading[2] as string;
    if (content.startsWith(' ') || content.startsWith('#') || content.endsWith('#')) return undefined;
    const text = inlineText(content);
    return text === undefined ? undefined : { kind: 'heading', depth: (heading[1] as string).length, text };
  }
  if (line.startsWith('- ')) {
    const content = line.slice(2);
    const text = startsPlainly(content) ? inlineText(content) : undefined;
    return text === undefined ? undefined : { kind: 'bullet', text };
  }
  const text = startsPlainly(line) ? inlineText(line) : undefined;
  return text === undefined ? undefined : { kind: 'paragraph', text };
}

/** True when no block construct can start the line: a letter, a digit that is no list marker, or a code span. */
function startsPlainly(line: string): boolean {
  const c = line.charCodeAt(0);
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return true;
  if (c >= 48 && c <= 57) return !ORDERED_MARKER.test(line);
  if (c === 96) return true;
  return c >= 128 && /^[\p{L}\p{N}]/u.test(line);
}

/** The text of a line whose only inline syntax is `code spans` (one backtick, no space at the edges). */
function inlineText(line: string): string | undefined {
  let out = '';
  let from = 0;
  for (let open = line.indexOf('`'); open >= 0; open = line.indexOf('`', from)) {
    const close = line.indexOf('`', open + 1);
    if (close < 0) return undefined;
    const code = line.slice(open + 1, close);
    if (code.length === 0 || code.startsWith(' ') || code.endsWith(' ')) return undefined;
    const before = line.slice(from, open);
    if (INLINE_SYNTAX.test(before)) return undefined;
    out += before + code;
    from = close + 1;
  }
  const rest = line.slice(from);
  if (INLINE_SYNTAX.test(rest)) return undefined;
  return out + rest;
}
