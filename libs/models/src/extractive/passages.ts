/** A retrieved passage the extractive model may quote, with the number it is cited by. */
export interface Passage {
  readonly citation: number;
  /** The passage's heading (title › section), when given; not quoted. */
  readonly title: string;
  readonly text: string;
}

const TEXT_KEYS = ['text', 'content', 'snippet', 'chunk', 'passage'] as const;
const LABEL_KEYS = ['citation', 'index', 'n', 'ref'] as const;
const TITLE_KEYS = ['title', 'heading'] as const;
const CONTEXT_KEYS = ['context', 'text', 'content'] as const;
const LIST_KEYS = ['passages', 'results', 'chunks', 'hits', 'contexts', 'documents', 'citations'] as const;

function label(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  if (typeof value === 'string') {
    const match = /^\s*\[?(\d+)\]?\s*$/.exec(value);
    if (match) return Number(match[1]);
  }
  return undefined;
}

function firstString(item: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const key of keys) if (typeof item[key] === 'string') return item[key];
  return undefined;
}

interface Unnumbered {
  readonly citation: number | undefined;
  readonly title: string;
  readonly text: string;
}

function fromJson(value: unknown): Unnumbered[] | undefined {
  let list: unknown = value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    // A packed context (`{"context": "[1] …", "citations": […]}`, as BuildContext answers) is read as text.
    const packed = CONTEXT_KEYS.map((k) => record[k]).find(
      (v) => typeof v === 'string' && numberedBlocksStart(v) >= 0,
    );
    if (typeof packed === 'string') return fromNumberedBlocks(packed);
    const key = LIST_KEYS.find((k) => Array.isArray(record[k]));
    if (key === undefined)
      return firstString(record, TEXT_KEYS) === undefined ? undefined : fromJson([record]);
    list = record[key];
  }
  if (!Array.isArray(list)) return undefined;
  const out: Unnumbered[] = [];
  for (const item of list) {
    if (typeof item === 'string') {
      out.push({ citation: undefined, title: '', text: item });
      continue;
    }
    if (typeof item !== 'object' || item === null) continue;
    const record = item as Record<string, unknown>;
    const text = firstString(record, TEXT_KEYS);
    if (text === undefined) continue;
    const citation = LABEL_KEYS.map((k) => label(record[k])).find((n) => n !== undefined);
    out.push({ citation, title: firstString(record, TITLE_KEYS) ?? '', text });
  }
  return out;
}

/** `[n] heading\ntext` blocks (the retrieval service's context format); a one-line block is all text. */
function fromNumberedBlocks(content: string): Unnumbered[] {
  const out: Unnumbered[] = [];
  const markers = [...content.matchAll(/^[ \t]*\[(\d+)\][ \t]*/gm)];
  markers.forEach((marker, i) => {
    const bodyStart = marker.index + marker[0].length;
    const block = content.slice(bodyStart, markers[i + 1]?.index ?? content.length).trim();
    const newline = block.indexOf('\n');
    out.push({
      citation: Number(marker[1]),
      title: newline < 0 ? '' : block.slice(0, newline).trim(),
      text: newline < 0 ? block : block.slice(newline + 1).trim(),
    });
  });
  return out;
}

/** Where the numbered blocks of a message begin (-1 when it has none): text before them is not context. */
export function numberedBlocksStart(content: string): number {
  return /^[ \t]*\[\d+\]/m.exec(content)?.index ?? -1;
}

/**
 * Reads passages from a tool result or a context message. Accepted shapes: JSON (an array of passages;
 * an object with `passages`/`results`/`chunks`/`hits`/`contexts`/`documents`/`citations`, each with
 * `text`/`content`/`snippet`, optional `citation`/`index`, optional `title`; or an object whose
 * `context`/`text`/`content` string holds numbered blocks), or text in numbered blocks `[n] heading\ntext`. With `plainTextIsPassage`, other text is one unnumbered passage.
 */
export function readPassages(content: string, plainTextIsPassage: boolean): Unnumbered[] {
  const trimmed = content.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[{') || trimmed.startsWith('["') || trimmed === '[]') {
    try {
      const parsed = fromJson(JSON.parse(trimmed));
      if (parsed) return parsed;
    } catch {
      // not JSON after all: read it as text
    }
  }
  const blocks = fromNumberedBlocks(content);
  if (blocks.length > 0 || !plainTextIsPassage || trimmed === '') return blocks;
  return [{ citation: undefined, title: '', text: trimmed }];
}

/** Gives unnumbered passages the next free numbers and drops repeated citations (first one wins). */
export function numberPassages(found: readonly Unnumbered[]): Passage[] {
  let next = Math.max(0, ...found.map((p) => p.citation ?? 0)) + 1;
  const seen = new Set<number>();
  const out: Passage[] = [];
  for (const p of found) {
    const citation = p.citation ?? next++;
    if (seen.has(citation)) continue;
    seen.add(citation);
    out.push({ citation, title: p.title, text: p.text });
  }
  return out;
}

/** The citation numbers `[n]` a text cites, in order of first appearance. */
export function citationsIn(text: string): number[] {
  const out: number[] = [];
  for (const [, n] of text.matchAll(/\[(\d+)\]/g)) if (!out.includes(Number(n))) out.push(Number(n));
  return out;
}
