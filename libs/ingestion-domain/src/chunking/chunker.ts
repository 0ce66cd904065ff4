import type { ParsedDocument, Section } from '../parsing/parsed-document.js';
import {
  type Chunk,
  type ChunkingOptions,
  type ResolvedChunkingOptions,
  type TokenCounter,
  resolveChunkingOptions,
} from './chunk.js';
import { chunkHash } from './chunk-hash.js';
import { type Span, paragraphSpans, sentenceSpans, wordSpans } from './text-spans.js';

/** A piece chunks are packed from: a whole paragraph, a sentence of a long paragraph, or words of a long sentence. */
interface Unit extends Span {
  readonly tokens: number;
  readonly paragraph: boolean;
}

interface Draft extends Span {
  readonly section: number;
  readonly headingPath: readonly string[];
  readonly tokens: number;
}

/**
 * Cuts a parsed document into chunks along its structure: sections, then paragraphs, then sentences,
 * then words, so that no chunk exceeds `maxTokens` (except a single word longer than that, cut by characters).
 * Consecutive chunks of one section overlap by the tail sentences (≤ `overlapTokens`) of the previous one.
 * Each chunk is an exact span of `parsed.text`.
 */
export function chunkDocument(
  parsed: ParsedDocument,
  countTokens: TokenCounter,
  options?: ChunkingOptions,
): Chunk[] {
  const opts = resolveChunkingOptions(options);
  const drafts: Draft[] = [];
  parsed.sections.forEach((section, i) => {
    for (const span of packSection(parsed.text, section, countTokens, opts)) {
      drafts.push({ ...span, section: i, headingPath: section.headingPath });
    }
  });
  const merged = mergeSmall(parsed.text, drafts, countTokens, opts);
  const seen = new Map<string, number>();
  return merged.map((d, index) => {
    const text = parsed.text.slice(d.start, d.end);
    const hash = chunkHash(text, d.headingPath);
    const occurrence = seen.get(hash) ?? 0;
    seen.set(hash, occurrence + 1);
    return {
      index,
      text,
      startOffset: d.start,
      endOffset: d.end,
      headingPath: d.headingPath,
      tokenCount: d.tokens,
      hash,
      occurrence,
    };
  });
}

function units(text: string, section: Section, count: TokenCounter, max: number): Unit[] {
  const out: Unit[] = [];
  for (const p of paragraphSpans(text, section.start, section.end)) {
    const tokens = count(text.slice(p.start, p.end));
    if (tokens <= max) {
      out.push({ ...p, tokens, paragraph: true });
      continue;
    }
    for (const s of sentenceSpans(text, p.start, p.end)) {
      const st = count(text.slice(s.start, s.end));
      if (st <= max) out.push({ ...s, tokens: st, paragraph: false });
      else out.push(...wordPieces(text, s, count, max));
    }
  }
  return out;
}

/** Packs the words of an over-long sentence into pieces of at most `max` tokens. */
function wordPieces(text: string, sentence: Span, count: TokenCounter, max: number): Unit[] {
  const out: Unit[] = [];
  let start = -1;
  let end = -1;
  let tokens = 0;
  const flush = (): void => {
    if (start >= 0) out.push({ start, end, tokens: count(text.slice(start, end)), paragraph: false });
    start = -1;
    tokens = 0;
  };
  for (const w of wordSpans(text, sentence.start, sentence.end)) {
    let wt = count(text.slice(w.start, w.end));
    let ws = w.start;
    if (wt > max) {
      flush();
      for (
        let cut = longestPrefix(text, ws, w.end, count, max);
        cut < w.end;
        cut = longestPrefix(text, ws, w.end, count, max)
      ) {
        out.push({ start: ws, end: cut, tokens: count(text.slice(ws, cut)), paragraph: false });
        ws = cut;
      }
      wt = count(text.slice(ws, w.end));
    }
    if (start >= 0 && tokens + wt > max) flush();
    if (start < 0) start = ws;
    end = w.end;
    tokens += wt;
  }
  flush();
  return out;
}

/**
 * Largest end in (start, end] with count(text[start, end)) <= max: galloping then bisection, so the work is
 * proportional to the piece, not to the word. Never splits a surrogate pair.
 */
function longestPrefix(text: string, start: number, end: number, count: TokenCounter, max: number): number {
  let lo = start + 1;
  let hi = Math.min(end, start + 64);
  while (hi < end && count(text.slice(start, hi)) <= max) {
    lo = hi;
    hi = Math.min(end, start + (hi - start) * 2);
  }
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (count(text.slice(start, mid)) <= max) lo = mid;
    else hi = mid - 1;
  }
  const c = text.charCodeAt(lo - 1);
  return c >= 0xd800 && c <= 0xdbff && lo - 1 > start ? lo - 1 : lo;
}

function packSection(
  text: string,
  section: Section,
  count: TokenCounter,
  opts: ResolvedChunkingOptions,
): Array<Span & { tokens: number }> {
  const us = units(text, section, count, opts.maxTokens);
  const out: Array<Span & { tokens: number }> = [];
  let i = 0;
  let tail: TailSentence[] = [];
  while (i < us.length) {
    const first = us[i]!;
    // Longest run of the previous chunk's tail sentences that still leaves room for the next unit.
    let k = tail.findIndex((t) => t.tokens + first.tokens <= opts.maxTokens);
    let start = k >= 0 ? tail[k]!.start : first.start;
    let sum = (k >= 0 ? tail[k]!.tokens : 0) + first.tokens;
    let exact = k < 0 || (tail[k]!.exact && separated(text, us[i - 1]!.end, first.start));
    let j = i;
    while (j + 1 < us.length && sum + us[j + 1]!.tokens <= opts.maxTokens) {
      exact &&= separated(text, us[j]!.end, us[j + 1]!.start);
      sum += us[++j]!.tokens;
    }
    // Pieces apart by whitespace count as the sum of their counts (each text is counted once); pieces
    // that touch (a word cut by characters, sentences without a space between) are counted again, and
    // the span shrinks while it is too long.
    let tokens = exact ? sum : count(text.slice(start, us[j]!.end));
    while (tokens > opts.maxTokens && (j > i || start !== first.start)) {
      if (j > i) j--;
      else start = ++k < tail.length && k > 0 ? tail[k]!.start : first.start;
      tokens = count(text.slice(start, us[j]!.end));
    }
    out.push({ start, end: us[j]!.end, tokens });
    tail = opts.overlapTokens > 0 ? tailSentences(text, us, i, j, count, opts.overlapTokens) : [];
    i = j + 1;
  }
  return out;
}

/** Where an overlap may start: a sentence start, and the tokens from there to the end of the chunk. */
interface TailSentence {
  readonly start: number;
  readonly tokens: number;
  /** `tokens` is a sum over pieces apart by whitespace, i.e. the count of the span itself. */
  readonly exact: boolean;
}

/** True when text[end, next) holds whitespace every token counter splits at: counts of both sides add up. */
function separated(text: string, end: number, next: number): boolean {
  for (let i = end; i < next; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) return true;
  }
  return false;
}

/**
 * Overlap candidates: the starts of the trailing sentences of units[first..last] whose tokens sum to at most
 * `budget`, longest first.
 */
function tailSentences(
  text: string,
  us: readonly Unit[],
  first: number,
  last: number,
  count: TokenCounter,
  budget: number,
): TailSentence[] {
  const out: TailSentence[] = [];
  let tokens = 0;
  let exact = true;
  let next = -1;
  for (let k = last; k >= first; k--) {
    const u = us[k]!;
    const sentences = u.paragraph ? trailingSentences(text, u, count, budget - tokens) : [u];
    for (let s = sentences.length - 1; s >= 0; s--) {
      const sp = sentences[s]!;
      const t = sp.tokens;
      if (tokens + t > budget) return out.reverse();
      tokens += t;
      if (next >= 0) exact &&= separated(text, sp.end, next);
      next = sp.start;
      out.push({ start: sp.start, tokens, exact });
    }
    if (sentences.length === 0 || sentences[0]!.start !== u.start) break;
  }
  return out.reverse();
}

/**
 * The last sentences of a paragraph, enough to exceed `budget` tokens or reach its start. Segments a window
 * at the paragraph's end (doubling it as needed) rather than the whole paragraph; a window's first segment may
 * be cut, so it is only used when the window starts at the paragraph.
 */
function trailingSentences(
  text: string,
  u: Unit,
  count: TokenCounter,
  budget: number,
): Array<Span & { tokens: number }> {
  // A wider window finds the same sentences again: count each span once.
  const counted = new Map<string, number>();
  const tokensOf = (sp: Span): number => {
    const key = `${sp.start}:${sp.end}`;
    let t = counted.get(key);
    if (t === undefined) counted.set(key, (t = count(text.slice(sp.start, sp.end))));
    return t;
  };
  for (let window = 256; ; window *= 2) {
    const from = Math.max(u.start, u.end - window);
    const all = sentenceSpans(text, from, u.end);
    const usable = (from === u.start ? all : all.slice(1)).map((sp) => ({ ...sp, tokens: 0 }));
    let tokens = 0;
    for (let s = usable.length - 1; s >= 0; s--) {
      const sp = usable[s]!;
      sp.tokens = tokensOf(sp);
      tokens += sp.tokens;
      if (tokens > budget) return usable.slice(s);
    }
    if (from === u.start) return usable;
  }
}

/** Folds chunks under `minTokens` into the previous chunk of their section, else into a following chunk of the same or a sub-section. */
function mergeSmall(
  text: string,
  drafts: Draft[],
  count: TokenCounter,
  opts: ResolvedChunkingOptions,
): Draft[] {
  const out: Draft[] = [];
  for (let i = 0; i < drafts.length; i++) {
    const d = drafts[i]!;
    if (d.tokens < opts.minTokens) {
      const prev = out[out.length - 1];
      if (prev && prev.section === d.section) {
        const tokens = count(text.slice(prev.start, d.end));
        if (tokens <= opts.maxTokens) {
          out[out.length - 1] = { ...prev, end: d.end, tokens };
          continue;
        }
      }
      const next = drafts[i + 1];
      if (next && isPrefix(d.headingPath, next.headingPath)) {
        const tokens = count(text.slice(d.start, next.end));
        if (tokens <= opts.maxTokens) {
          drafts[i + 1] = { ...next, start: d.start, tokens };
          continue;
        }
      }
    }
    out.push(d);
  }
  return out;
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((h, i) => path[i] === h);
}
