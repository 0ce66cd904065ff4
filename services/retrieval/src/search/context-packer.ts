import type { ScoredPoint } from '@cairn/vector-store';

/** A chunk chosen for the context, with its citation number. */
export interface PackedChunk {
  readonly point: ScoredPoint;
  readonly citation: number;
}

export interface PackedContext {
  readonly text: string;
  readonly chunks: readonly PackedChunk[];
  readonly tokenCount: number;
  /** Some relevant chunks did not fit the budget. */
  readonly truncated: boolean;
}

export interface PackOptions {
  readonly tokenBudget: number;
  readonly diversify: boolean;
  /** 1 = relevance only, 0 = diversity only. */
  readonly mmrLambda: number;
  readonly countTokens: (text: string) => number;
}

/**
 * Deduplicates candidates (same chunk hash, or text contained in a better one), optionally reorders
 * them by Maximal Marginal Relevance (similarity = token-set Jaccard), and packs whole chunks into
 * the token budget as numbered passages `[n] title › heading` ready for a prompt.
 */
export function packContext(candidates: readonly ScoredPoint[], options: PackOptions): PackedContext {
  const unique = dedupe(candidates);
  const ordered = options.diversify ? mmr(unique, options.mmrLambda) : unique;
  const chunks: PackedChunk[] = [];
  const parts: string[] = [];
  let tokenCount = 0;
  let truncated = false;
  for (const point of ordered) {
    const citation = chunks.length + 1;
    const path = point.headingPath[0] === point.title ? point.headingPath.slice(1) : point.headingPath;
    const heading = [point.title, ...path].filter((part) => part.length > 0).join(' › ');
    const passage = `[${citation}] ${heading}\n${point.text.trim()}`;
    const cost = options.countTokens(passage) + 2;
    if (tokenCount + cost > options.tokenBudget) {
      truncated = true;
      continue;
    }
    tokenCount += cost;
    chunks.push({ point, citation });
    parts.push(passage);
  }
  return { text: parts.join('\n\n'), chunks, tokenCount, truncated };
}

function dedupe(points: readonly ScoredPoint[]): ScoredPoint[] {
  const kept: ScoredPoint[] = [];
  const hashes = new Set<string>();
  for (const point of points) {
    if (hashes.has(point.chunkHash)) continue;
    const text = normalize(point.text);
    if (kept.some((other) => normalize(other.text).includes(text))) continue;
    hashes.add(point.chunkHash);
    kept.push(point);
  }
  return kept;
}

function mmr(points: readonly ScoredPoint[], lambda: number): ScoredPoint[] {
  const terms = new Map(points.map((point) => [point, termSet(point.text)]));
  const maxScore = Math.max(...points.map((point) => point.score), Number.MIN_VALUE);
  const remaining = [...points];
  const selected: ScoredPoint[] = [];
  while (remaining.length > 0) {
    let best = 0;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (const [index, candidate] of remaining.entries()) {
      const redundancy = Math.max(
        0,
        ...selected.map((chosen) => jaccard(terms.get(candidate)!, terms.get(chosen)!)),
      );
      const value = lambda * (candidate.score / maxScore) - (1 - lambda) * redundancy;
      if (value > bestValue) {
        bestValue = value;
        best = index;
      }
    }
    selected.push(...remaining.splice(best, 1));
  }
  return selected;
}

function termSet(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const term of a) if (b.has(term)) shared++;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}

function normalize(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}
