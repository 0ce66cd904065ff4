import { readFileSync } from 'node:fs';
import { forEachBertWord } from './bert-normalizer.js';

/** One encoded text: ids with [CLS] ... [SEP], its attention mask and token type ids (all 0). */
export interface EncodedText {
  readonly inputIds: number[];
  readonly attentionMask: number[];
  readonly tokenTypeIds: number[];
}

/** A padded batch, row-major `[batchSize, seqLen]`, in the int64 layout ONNX BERT models take. */
export interface EncodedBatch {
  readonly batchSize: number;
  readonly seqLen: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
  readonly tokenTypeIds: BigInt64Array;
}

/** Options of {@link WordPieceTokenizer}. */
export interface WordPieceOptions {
  /** Words longer than this many characters become [UNK]. Default 100. */
  readonly maxInputCharsPerWord?: number;
  /** Words whose pieces are memoized (cleared when full). Default 50 000. */
  readonly cacheSize?: number;
}

const CONTINUATION = '##';
/** Special tokens recognised literally (case-sensitive) in input text, as the reference tokenizer does. */
const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

/**
 * BERT uncased WordPiece tokenizer (greedy longest-match-first), built from a `vocab.txt`
 * (one token a line, id = line number). Pure and synchronous; safe to share.
 */
export class WordPieceTokenizer {
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;
  private readonly maxInputChars: number;
  private readonly maxPieceChars: number;
  private readonly cacheSize: number;
  private readonly wordCache = new Map<string, readonly number[]>();
  private readonly specialPattern: RegExp;

  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    options: WordPieceOptions = {},
  ) {
    this.maxInputChars = options.maxInputCharsPerWord ?? 100;
    this.cacheSize = options.cacheSize ?? 50_000;
    this.clsId = requiredId(vocab, '[CLS]');
    this.sepId = requiredId(vocab, '[SEP]');
    this.padId = requiredId(vocab, '[PAD]');
    this.unkId = requiredId(vocab, '[UNK]');
    let longest = 0;
    for (const token of vocab.keys()) longest = Math.max(longest, [...token].length);
    this.maxPieceChars = longest;
    const specials = SPECIAL_TOKENS.filter((t) => vocab.has(t)).map((t) => t.replace(/[[\]]/g, '\\$&'));
    this.specialPattern = new RegExp(`(${specials.join('|')})`);
  }

  /** Reads a BERT `vocab.txt`. */
  static fromVocabFile(path: string, options?: WordPieceOptions): WordPieceTokenizer {
    return WordPieceTokenizer.fromVocabText(readFileSync(path, 'utf8'), options);
  }

  /** Builds the tokenizer from the text of a `vocab.txt`. */
  static fromVocabText(text: string, options?: WordPieceOptions): WordPieceTokenizer {
    const vocab = new Map<string, number>();
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    lines.forEach((line, id) => {
      const token = line.endsWith('\r') ? line.slice(0, -1) : line;
      if (!vocab.has(token)) vocab.set(token, id);
    });
    return new WordPieceTokenizer(vocab, options);
  }

  /** Word-piece ids of `text`, without [CLS]/[SEP] and without truncation. */
  tokenize(text: string): number[] {
    const ids: number[] = [];
    const visit = (word: string): void => {
      for (const id of this.wordIds(word)) ids.push(id);
    };
    for (const segment of this.segments(text)) {
      if (typeof segment === 'number') ids.push(segment);
      else forEachBertWord(segment, visit);
    }
    return ids;
  }

  /** Number of word pieces in `text`, without the added [CLS]/[SEP] (what the chunker sizes with). */
  countTokens(text: string): number {
    let n = 0;
    const visit = (word: string): void => {
      n += this.wordIds(word).length;
    };
    for (const segment of this.segments(text)) {
      if (typeof segment === 'number') n++;
      else forEachBertWord(segment, visit);
    }
    return n;
  }

  /** `[CLS] pieces [SEP]`, the pieces truncated so that the whole fits in `maxLen` (>= 2). */
  encode(text: string, maxLen = 256): EncodedText {
    if (maxLen < 2) throw new RangeError(`maxLen must be at least 2, got ${maxLen}`);
    const pieces = this.tokenize(text);
    const inputIds = [this.clsId, ...pieces.slice(0, maxLen - 2), this.sepId];
    return {
      inputIds,
      attentionMask: inputIds.map(() => 1),
      tokenTypeIds: inputIds.map(() => 0),
    };
  }

  /** Encodes several texts, padded with [PAD] (mask 0) to the longest one. */
  encodeBatch(texts: readonly string[], maxLen = 256): EncodedBatch {
    const encoded = texts.map((t) => this.encode(t, maxLen));
    const seqLen = encoded.reduce((m, e) => Math.max(m, e.inputIds.length), 0);
    const size = texts.length * seqLen;
    const inputIds = new BigInt64Array(size).fill(BigInt(this.padId));
    const attentionMask = new BigInt64Array(size);
    const tokenTypeIds = new BigInt64Array(size);
    encoded.forEach((e, row) => {
      const base = row * seqLen;
      e.inputIds.forEach((id, col) => {
        inputIds[base + col] = BigInt(id);
        attentionMask[base + col] = 1n;
      });
    });
    return { batchSize: texts.length, seqLen, inputIds, attentionMask, tokenTypeIds };
  }

  /** Text split around literal special tokens, which come back as their ids. */
  private segments(text: string): (string | number)[] {
    if (!text.includes('[')) return [text];
    return text
      .split(this.specialPattern)
      .map((part, i) => (i % 2 === 1 ? (this.vocab.get(part) ?? this.unkId) : part));
  }

  private wordIds(word: string): readonly number[] {
    const cached = this.wordCache.get(word);
    if (cached) return cached;
    const ids = this.wordPiece(word);
    if (this.wordCache.size >= this.cacheSize) this.wordCache.clear();
    this.wordCache.set(word, ids);
    return ids;
  }

  private wordPiece(word: string): readonly number[] {
    // Code points; an all-BMP word is sliced directly (its UTF-16 units are its code points).
    const chars: string | string[] = /[\ud800-\udfff]/.test(word) ? [...word] : word;
    if (chars.length > this.maxInputChars) return [this.unkId];
    const ids: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = Math.min(chars.length, start + this.maxPieceChars);
      let found: number | undefined;
      while (start < end) {
        const piece = typeof chars === 'string' ? chars.slice(start, end) : chars.slice(start, end).join('');
        found = this.vocab.get(start > 0 ? CONTINUATION + piece : piece);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) return [this.unkId];
      ids.push(found);
      start = end;
    }
    return ids;
  }
}

function requiredId(vocab: ReadonlyMap<string, number>, token: string): number {
  const id = vocab.get(token);
  if (id === undefined) throw new Error(`vocabulary has no ${token} token`);
  return id;
}
