/**
 * Counts the tokens of a text for the embedding model's tokenizer. The chunker takes the count of two
 * texts joined by ASCII whitespace to be the sum of their counts (each text is counted once), as it is
 * for WordPiece and `wordTokenCounter`; texts that touch without whitespace are counted whole.
 */
export type TokenCounter = (text: string) => number;

/** One chunk of a parsed document: an exact span of its text. */
export interface Chunk {
  /** 0-based position in the document. */
  readonly index: number;
  /** `parsed.text.slice(startOffset, endOffset)`. */
  readonly text: string;
  /** UTF-16 offsets into the parsed text; end exclusive. */
  readonly startOffset: number;
  readonly endOffset: number;
  /** Headings enclosing the chunk, outermost first. */
  readonly headingPath: readonly string[];
  readonly tokenCount: number;
  /** Lowercase hex SHA-256 of the whitespace-normalised text and the heading path. */
  readonly hash: string;
  /** 0 for the first chunk with this hash in the document, 1 for the next, … (keeps chunk ids unique). */
  readonly occurrence: number;
}

/** Chunking options, configurable per collection. */
export interface ChunkingOptions {
  /** Largest chunk, in tokens (default 256). */
  readonly maxTokens?: number;
  /** Tokens of tail sentences of the previous chunk repeated at the start of the next, same section only (default 32). */
  readonly overlapTokens?: number;
  /** A chunk smaller than this is merged into a neighbour when the result fits (default 16). */
  readonly minTokens?: number;
}

/** {@link ChunkingOptions} with defaults applied. */
export interface ResolvedChunkingOptions {
  readonly maxTokens: number;
  readonly overlapTokens: number;
  readonly minTokens: number;
}

/** Applies defaults and checks the options are coherent. */
export function resolveChunkingOptions(options: ChunkingOptions = {}): ResolvedChunkingOptions {
  const maxTokens = options.maxTokens ?? 256;
  const overlapTokens = options.overlapTokens ?? 32;
  const minTokens = options.minTokens ?? 16;
  if (!Number.isInteger(maxTokens) || maxTokens < 1)
    throw new RangeError(`maxTokens must be a positive integer, got ${maxTokens}`);
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || overlapTokens >= maxTokens) {
    throw new RangeError(`overlapTokens must be an integer in [0, maxTokens), got ${overlapTokens}`);
  }
  if (!Number.isInteger(minTokens) || minTokens < 0 || minTokens > maxTokens) {
    throw new RangeError(`minTokens must be an integer in [0, maxTokens], got ${minTokens}`);
  }
  return { maxTokens, overlapTokens, minTokens };
}
