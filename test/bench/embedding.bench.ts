import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { ChunksIndexedSchema } from '@cairn/contracts/cairn/embedding/v1/events';
import { ChunkSchema, DocumentChunkedSchema } from '@cairn/contracts/cairn/ingestion/v1/events';
import { WordPieceTokenizer } from '@cairn/embeddings';
import { KafkaEventBus, kafkaGroupId, topicFor } from '@cairn/events';
import { chunkDocument, parseDocument } from '@cairn/ingestion-domain';
import { waitFor } from '@cairn/testing';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { startService } from '../support/service-process.js';
import { compared, log, msSince, round, type Figure } from './bench-report.js';
import type { Benchmark } from './benchmark.js';
import { generateCorpus } from './corpus.js';
import { skipBacklog } from './kafka-support.js';

const chunkedTopic = topicFor(DocumentChunkedSchema);
const indexedTopic = topicFor(ChunksIndexedSchema);
/** Config key the embedding service's cross-document micro-batching reads, once it exists. */
/** Micro-batch bound given to the service (its `indexing.batchMaxDocuments`). */
const BATCH_DOCUMENTS = 64;

/**
 * Embedding: chunks/s through the embedding service (DocumentChunked on Kafka → embed → embedded vector
 * store → ChunksIndexed) vs a bare onnxruntime-node loop over the same texts and batch size.
 */
export const embeddingBench: Benchmark = {
  name: 'embedding',
  title: 'Embedding: service vs bare onnxruntime-node',
  async run(ctx) {
    const batchSizes = ctx.smoke ? [1, 4] : ctx.sizes('embedding-batches', [1, 16, 32, 64]);
    const chunkCount = ctx.smoke ? 8 : ctx.size('embedding-chunks', 512);
    const tokenizer = WordPieceTokenizer.fromVocabFile(join(ctx.modelDir, 'vocab.txt'));
    const texts = await chunkTexts(chunkCount, (text) => tokenizer.countTokens(text));
    const meanTokens =
      texts.reduce((sum, t) => sum + Math.min(256, tokenizer.countTokens(t) + 2), 0) / texts.length;
    const brokers = await ctx.kafkaBrokers();
    const figures: Figure[] = [];
    const notes: string[] = [];
    const session = await InferenceSession.create(join(ctx.modelDir, 'model.onnx'), {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: availableParallelism(),
      interOpNumThreads: 1,
    });
    try {
      for (const batch of batchSizes) {
        await bareLoop(session, tokenizer, texts.slice(0, Math.min(texts.length, batch * 2)), batch);
        const bare = await bareLoop(session, tokenizer, texts, batch);
        const service = await throughService(brokers, texts, batch, ctx.modelDir);
        figures.push(
          compared(`service chunks/s, batch ${batch}`, round(service.chunksPerS, 1), 'chunks/s', {
            name: `bare onnxruntime-node, batch ${batch}`,
            value: round(bare, 1),
          }),
        );
        notes.push(`batch ${batch}: ${service.how}`);
        log(
          `embedding batch ${batch}: service ${round(service.chunksPerS, 1)} vs bare ${round(bare, 1)} chunks/s`,
        );
      }
    } finally {
      await session.release();
    }
    return {
      config: {
        chunks: texts.length,
        batchSizes,
        meanTokens: round(meanTokens, 1),
        threads: availableParallelism(),
      },
      figures,
      notes: [
        `Texts: ${texts.length} chunks cut by Cairn's chunker from the generated corpus (mean ${round(meanTokens, 1)} WordPiece tokens with [CLS]/[SEP], max 256), identical for both sides; model all-MiniLM-L6-v2 int8 ONNX, ${availableParallelism()} intra-op threads on both sides.`,
        'Service: the embedding service as its own process on Kafka with a fresh data dir (empty embedding cache); the harness publishes DocumentChunked events and the clock stops at the last ChunksIndexed, so it includes Kafka, the cache lookups and writes, BM25 encoding and the embedded vector store upsert.',
        'Bare: one InferenceSession on the same model.onnx, our WordPieceTokenizer, the texts in order in batches of the given size, mean pooling over the attention mask and L2 normalisation, nothing else.',
        ...notes,
      ],
    };
  },
};

/** The first `count` chunks the Cairn chunker cuts from the generated corpus. */
async function chunkTexts(count: number, countTokens: (text: string) => number): Promise<string[]> {
  const texts: string[] = [];
  for (const doc of generateCorpus(count, 4000, 11)) {
    const parsed = await parseDocument({ mimeType: doc.mimeType, text: doc.text }, { maxBytes: 2 ** 26 });
    for (const chunk of chunkDocument(parsed, countTokens)) {
      texts.push(chunk.text);
      if (texts.length === count) return texts;
    }
  }
  return texts;
}

/** Chunks/s of a plain tokenize → run → mean-pool loop. */
async function bareLoop(
  session: InferenceSession,
  tokenizer: WordPieceTokenizer,
  texts: readonly string[],
  batchSize: number,
): Promise<number> {
  const started = process.hrtime.bigint();
  for (let start = 0; start < texts.length; start += batchSize) {
    const batch = tokenizer.encodeBatch(texts.slice(start, start + batchSize), 256);
    const dims = [batch.batchSize, batch.seqLen];
    const feeds: Record<string, Tensor> = {
      input_ids: new Tensor('int64', batch.inputIds, dims),
      attention_mask: new Tensor('int64', batch.attentionMask, dims),
    };
    if (session.inputNames.includes('token_type_ids'))
      feeds['token_type_ids'] = new Tensor('int64', batch.tokenTypeIds, dims);
    const output = await session.run(feeds);
    const hidden = output['last_hidden_state']!.data as Float32Array;
    for (let row = 0; row < batch.batchSize; row++) {
      const pooled = new Float32Array(384);
      let tokens = 0;
      for (let t = 0; t < batch.seqLen; t++) {
        if (batch.attentionMask[row * batch.seqLen + t] === 0n) continue;
        tokens++;
        const base = (row * batch.seqLen + t) * 384;
        for (let d = 0; d < 384; d++) pooled[d]! += hidden[base + d]!;
      }
      let norm = 0;
      for (let d = 0; d < 384; d++) norm += (pooled[d]! / tokens) ** 2;
      norm = Math.sqrt(norm);
      for (let d = 0; d < 384; d++) pooled[d] = pooled[d]! / tokens / norm;
    }
    for (const tensor of Object.values(output)) tensor.dispose();
  }
  return texts.length / (msSince(started) / 1000);
}

/** Chunks/s through the embedding service process: publish every event, stop at the last ChunksIndexed. */
async function throughService(
  brokers: string,
  texts: readonly string[],
  batch: number,
  modelDir: string,
): Promise<{ chunksPerS: number; how: string }> {
  const run = `${Date.now().toString(36)}b${batch}`;
  const tenant = `bench-embedding-${run}`;
  const groupPrefix = `bench-${run}-`;
  const bus = new KafkaEventBus({ brokers: brokers.split(','), clientId: `bench-${run}` });
  await bus.start();
  await bus.ensureTopics([chunkedTopic, indexedTopic]);
  // The service's group starts at the end of the topic, not at events other runs left on this broker.
  await skipBacklog(
    brokers,
    [kafkaGroupId(`${groupPrefix}embedding`, chunkedTopic.name)],
    [chunkedTopic.name],
  );
  const indexed = new Set<string>();
  const subscription = await bus.subscribe(indexedTopic, {
    group: `bench-${run}-probe`,
    handler: async (event) => {
      if (event.tenant === tenant) indexed.add(event.payload.documentId);
    },
  });
  const env: Record<string, string> = {
    CAIRN_EVENTS_BACKEND: 'kafka',
    CAIRN_KAFKA_BROKERS: brokers,
    CAIRN_MODEL_DIR: modelDir,
  };
  const how = `${batch} chunks per DocumentChunked event; the service embeds micro-batches of up to ${BATCH_DOCUMENTS} events together`;
  const service = await startService({
    service: 'embedding',
    env: { ...env, CAIRN_INDEXING_BATCH_MAX_DOCUMENTS: String(BATCH_DOCUMENTS) },
    groupPrefix,
    timeoutMs: 60_000,
  });
  try {
    await waitFor(() => subscription.assignedPartitions().length > 0, {
      timeoutMs: 60_000,
      description: 'the ChunksIndexed probe to join its group',
    });
    const events = [];
    for (let start = 0, doc = 0; start < texts.length; start += batch, doc++) {
      const chunks = texts.slice(start, start + batch).map((text, i) =>
        create(ChunkSchema, {
          chunkId: `${run}-${doc}-${i}`,
          chunkHash: `${run}-${start + i}`,
          index: i,
          text,
          startOffset: 0,
          endOffset: text.length,
          tokenCount: 0,
        }),
      );
      events.push(
        create(DocumentChunkedSchema, {
          tenant,
          documentId: `${run}-doc-${doc}`,
          documentVersion: 1,
          collection: 'bench-embedding',
          externalId: `doc-${doc}`,
          title: `document ${doc}`,
          chunks,
          chunkCount: chunks.length,
        }),
      );
    }
    const started = process.hrtime.bigint();
    for (const event of events) await bus.publish(chunkedTopic, event, { tenant });
    await waitFor(() => indexed.size >= events.length, {
      timeoutMs: 1_800_000,
      intervalMs: 20,
      description: `${events.length} ChunksIndexed events`,
    });
    return { chunksPerS: texts.length / (msSince(started) / 1000), how };
  } finally {
    await subscription.close();
    await bus.stop();
    await service.stop();
  }
}
