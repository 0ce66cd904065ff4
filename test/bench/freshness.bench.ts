import { setTimeout as sleep } from 'node:timers/promises';
import type { DescMessage } from '@bufbuild/protobuf';
import { ChunksIndexedSchema, ChunksIndexingFailedSchema } from '@cairn/contracts/cairn/embedding/v1/events';
import {
  DocumentChunkedSchema,
  DocumentDeletedSchema,
  DocumentDeletionRequestedSchema,
  DocumentSubmittedSchema,
} from '@cairn/contracts/cairn/ingestion/v1/events';
import { KafkaEventBus, kafkaGroupId, topicFor } from '@cairn/events';
import { waitFor } from '@cairn/testing';
import { log, percentile, round, type Figure } from './bench-report.js';
import type { Benchmark } from './benchmark.js';
import { startCairn } from './cairn-harness.js';
import { generateDocument } from './corpus.js';
import { skipBacklog } from './kafka-support.js';

/** The consumer groups the all-in-one's services subscribe with (see their @EventConsumer declarations). */
const SERVICE_GROUPS: readonly [string, DescMessage][] = [
  ['embedding', DocumentChunkedSchema],
  ['embedding', DocumentDeletedSchema],
  ['ingestion', DocumentSubmittedSchema],
  ['ingestion', DocumentDeletionRequestedSchema],
  ['ingestion', ChunksIndexedSchema],
  ['ingestion', ChunksIndexingFailedSchema],
];

/**
 * Freshness: time from the Ingest acknowledgement to the ChunksIndexed event (the chunks are in the vector
 * tier and searchable) at a steady ingest rate, with the all-in-one on real Kafka.
 */
export const freshnessBench: Benchmark = {
  name: 'freshness',
  title: 'Freshness: ingest ack → searchable on Kafka at a steady rate',
  async run(ctx) {
    const rate = ctx.smoke ? 10 : ctx.size('freshness-rate', 50);
    const seconds = ctx.smoke ? 1 : ctx.size('freshness-seconds', 30);
    const docBytes = ctx.size('freshness-doc-bytes', 700);
    const total = Math.round(rate * seconds);
    const brokers = await ctx.kafkaBrokers();
    const run = `fresh${Date.now().toString(36)}`;
    const groupPrefix = `bench-${run}-`;
    const bus = new KafkaEventBus({ brokers: brokers.split(','), clientId: `bench-${run}` });
    await bus.start();
    const topics = [...SERVICE_GROUPS.map(([, schema]) => topicFor(schema).name)];
    await bus.ensureTopics(SERVICE_GROUPS.map(([, schema]) => topicFor(schema)));
    const probeGroup = `bench-${run}-probe`;
    const indexedTopic = topicFor(ChunksIndexedSchema);
    await skipBacklog(
      brokers,
      [
        ...SERVICE_GROUPS.map(([group, schema]) =>
          kafkaGroupId(`${groupPrefix}${group}`, topicFor(schema).name),
        ),
        kafkaGroupId(probeGroup, indexedTopic.name),
      ],
      [...topics, indexedTopic.name],
    );
    const indexedAt = new Map<string, number>();
    const subscription = await bus.subscribe(indexedTopic, {
      group: probeGroup,
      handler: async (event) => {
        if (!indexedAt.has(event.payload.documentId))
          indexedAt.set(event.payload.documentId, performance.now());
      },
    });
    let cairn: Awaited<ReturnType<typeof startCairn>> | undefined;
    try {
      cairn = await startCairn({
        kafkaBrokers: brokers,
        groupPrefix,
        env: { CAIRN_MODEL_DIR: ctx.modelDir },
      });
      const ingestion = cairn.ingestion;
      await waitFor(() => subscription.assignedPartitions().length > 0, {
        timeoutMs: 60_000,
        description: 'the ChunksIndexed probe to join its group',
      });
      const collection = `bench-${run}`;
      const ingest = async (index: number): Promise<{ documentId: string; ackAt: number; ackMs: number }> => {
        const doc = generateDocument(index, docBytes, 23);
        const sent = performance.now();
        const response = await ingestion.ingest({
          document: {
            collection,
            externalId: doc.externalId,
            title: doc.title,
            mimeType: doc.mimeType,
            content: { case: 'text', value: doc.text },
          },
        });
        const ackAt = performance.now();
        return { documentId: response.documentId, ackAt, ackMs: ackAt - sent };
      };
      // Warm-up: the model, the consumers and the topics' leaders, until a document comes back indexed.
      const warm = await Promise.all([0, 1, 2].map((i) => ingest(1_000_000 + i)));
      await waitFor(() => warm.every((w) => indexedAt.has(w.documentId)), {
        timeoutMs: 180_000,
        description: 'warm-up documents indexed',
      });

      log(`freshness: ${total} documents at ${rate}/s`);
      const pending: Promise<{ documentId: string; ackAt: number; ackMs: number }>[] = [];
      const start = performance.now();
      for (let i = 0; i < total; i++) {
        const due = start + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        pending.push(ingest(i));
      }
      const acks = await Promise.all(pending);
      const sendS = (performance.now() - start) / 1000;
      await waitFor(() => acks.every((a) => indexedAt.has(a.documentId)), {
        timeoutMs: 1_200_000,
        intervalMs: 50,
        description: `${acks.length} documents indexed`,
      });
      const fresh = acks.map((a) => indexedAt.get(a.documentId)! - a.ackAt);
      const ackMs = acks.map((a) => a.ackMs);
      const figures: Figure[] = [
        { name: `ack → searchable p50 @ ${rate} docs/s`, value: round(percentile(fresh, 50), 1), unit: 'ms' },
        { name: `ack → searchable p99 @ ${rate} docs/s`, value: round(percentile(fresh, 99), 1), unit: 'ms' },
        { name: 'Ingest ack latency p50', value: round(percentile(ackMs, 50), 1), unit: 'ms' },
        { name: 'Ingest ack latency p99', value: round(percentile(ackMs, 99), 1), unit: 'ms' },
        { name: 'achieved ingest rate', value: round(total / sendS, 1), unit: 'docs/s' },
      ];
      return {
        config: { rate, seconds, docBytes, documents: total },
        figures,
        notes: [
          `The all-in-one on real Kafka (KRaft, one broker on loopback), SQLite registry, embedded vector store, local model. ${total} generated documents of ~${docBytes} B (one or two chunks each) sent with unary Ingest on a fixed schedule of ${rate}/s (not waiting for acks).`,
          'Searchable = the ChunksIndexed event for the document, consumed from Kafka by a probe group: it is published after the vector-store upsert, and the all-in-one reads the same store, so a Search issued then finds the chunks. The figure includes the Kafka hop of ChunksIndexed to the probe.',
          'No reference: this is an end-to-end latency; the ack latency is shown beside it.',
        ],
      };
    } finally {
      await subscription.close();
      await bus.stop();
      await cairn?.stop();
    }
  },
};
