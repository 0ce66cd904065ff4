import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { EmbeddingModelInfo, EmbeddingProvider, EmbedOptions } from '../embedding-provider.port.js';
import { l2Normalize } from '../embedding-provider.port.js';
import { WordPieceTokenizer } from '../tokenizer/wordpiece.tokenizer.js';

/** Options of {@link LocalEmbeddingProvider.create}. */
export interface LocalEmbeddingOptions {
  /** Directory holding `model.onnx` and `vocab.txt` (installed by `scripts/fetch-model.sh`). */
  readonly modelDir: string;
  /** ONNX Runtime intra-op threads. Default: the machine's available parallelism. */
  readonly intraOpThreads?: number;
  /** Texts per inference call. Default 32. */
  readonly batchSize?: number;
  /** Tokens per text including [CLS]/[SEP]; longer texts are truncated. Default 256 (the model's). */
  readonly maxTokens?: number;
  /** Model name reported in `model.name`. Default `all-MiniLM-L6-v2-onnx-int8`. */
  readonly modelName?: string;
}

const HIDDEN_SIZE = 384;
const OUTPUT = 'last_hidden_state';

/**
 * all-MiniLM-L6-v2 on ONNX Runtime (CPU): WordPiece tokenization, mean pooling over the attention
 * mask, L2 normalization. Reads only local files; never downloads anything.
 */
export class LocalEmbeddingProvider implements EmbeddingProvider {
  readonly model: EmbeddingModelInfo;

  private constructor(
    private readonly session: InferenceSession,
    readonly tokenizer: WordPieceTokenizer,
    private readonly batchSize: number,
    maxTokens: number,
    name: string,
  ) {
    this.model = { name, dimension: HIDDEN_SIZE, maxTokens };
  }

  /** Loads the tokenizer and the ONNX session; fails with the missing file named. */
  static async create(options: LocalEmbeddingOptions): Promise<LocalEmbeddingProvider> {
    const onnxPath = join(options.modelDir, 'model.onnx');
    const vocabPath = join(options.modelDir, 'vocab.txt');
    for (const path of [onnxPath, vocabPath]) {
      if (!existsSync(path)) {
        throw new Error(
          `local embedding model file not found: ${path} (install it with scripts/fetch-model.sh)`,
        );
      }
    }
    const batchSize = options.batchSize ?? 32;
    const maxTokens = options.maxTokens ?? 256;
    if (batchSize < 1 || maxTokens < 2 || maxTokens > 512) {
      throw new RangeError(`invalid local embedding options: batchSize=${batchSize} maxTokens=${maxTokens}`);
    }
    const tokenizer = WordPieceTokenizer.fromVocabFile(vocabPath);
    const session = await InferenceSession.create(onnxPath, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: options.intraOpThreads ?? availableParallelism(),
      interOpNumThreads: 1,
    });
    if (!session.outputNames.includes(OUTPUT)) {
      await session.release();
      throw new Error(`${onnxPath} has no '${OUTPUT}' output (outputs: ${session.outputNames.join(', ')})`);
    }
    const name = options.modelName ?? 'all-MiniLM-L6-v2-onnx-int8';
    return new LocalEmbeddingProvider(session, tokenizer, batchSize, maxTokens, name);
  }

  async embed(texts: readonly string[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
    const out = new Array<Float32Array>(texts.length);
    // Batch texts of similar length together so that little compute goes to padding.
    const order = texts
      .map((text, index) => ({ index, length: text.length }))
      .sort((a, b) => a.length - b.length)
      .map((e) => e.index);
    for (let start = 0; start < order.length; start += this.batchSize) {
      opts.signal?.throwIfAborted();
      const indices = order.slice(start, start + this.batchSize);
      const vectors = await this.embedBatch(indices.map((i) => texts[i]!));
      indices.forEach((i, k) => (out[i] = vectors[k]!));
    }
    opts.signal?.throwIfAborted();
    return out;
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  private async embedBatch(texts: readonly string[]): Promise<Float32Array[]> {
    const batch = this.tokenizer.encodeBatch(texts, this.model.maxTokens);
    const dims = [batch.batchSize, batch.seqLen];
    const feeds: Record<string, Tensor> = {
      input_ids: new Tensor('int64', batch.inputIds, dims),
      attention_mask: new Tensor('int64', batch.attentionMask, dims),
    };
    if (this.session.inputNames.includes('token_type_ids')) {
      feeds['token_type_ids'] = new Tensor('int64', batch.tokenTypeIds, dims);
    }
    const result = await this.session.run(feeds);
    const hidden = result[OUTPUT];
    if (!hidden || !(hidden.data instanceof Float32Array))
      throw new Error(`model returned no float '${OUTPUT}'`);
    const data = hidden.data;
    const vectors: Float32Array[] = [];
    for (let row = 0; row < batch.batchSize; row++) {
      const v = new Float32Array(HIDDEN_SIZE);
      let count = 0;
      for (let t = 0; t < batch.seqLen; t++) {
        if (batch.attentionMask[row * batch.seqLen + t] === 0n) continue;
        count++;
        const base = (row * batch.seqLen + t) * HIDDEN_SIZE;
        for (let d = 0; d < HIDDEN_SIZE; d++) v[d]! += data[base + d]!;
      }
      for (let d = 0; d < HIDDEN_SIZE; d++) v[d]! /= Math.max(count, 1);
      vectors.push(l2Normalize(v));
    }
    for (const tensor of Object.values(result)) tensor.dispose();
    return vectors;
  }
}
