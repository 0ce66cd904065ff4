import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DocumentStatus, IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { createGrpcClient, type GrpcClient } from '@cairn/grpc';
import { waitFor } from '@cairn/testing';
import { writeApiKeys } from '../support/api-keys.js';
import { OtlpCollector, type CollectedSpan } from '../support/otlp-collector.js';
import { kafkaBrokers, skipKafka } from '../support/repo.js';
import { startService, type StartedService } from '../support/service-process.js';

const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

/**
 * One ingest is one trace across processes and a real Kafka hop: the caller's traceparent reaches
 * the ingestion server span, its DocumentChunked producer span, the embedding service's consumer
 * span (a child of that producer, in another process), the model's GenAI span, and the indexed
 * event back in ingestion.
 */
void describe('tracing across gRPC and Kafka', { skip: skipKafka() }, () => {
  let collector: OtlpCollector;
  const services: StartedService[] = [];
  let ingestion: GrpcClient<typeof IngestionService> | undefined;

  before(async () => {
    collector = await OtlpCollector.start();
    const { file, keys } = writeApiKeys(mkdtempSync(join(tmpdir(), 'cairn-trace-')), ['acme']);
    const env = {
      ...collector.env(),
      CAIRN_AUTH_API_KEYS_FILE: file,
      CAIRN_EVENTS_BACKEND: 'kafka',
      CAIRN_KAFKA_BROKERS: kafkaBrokers().join(','),
    };
    const groupPrefix = `trace-${Date.now().toString(36)}`;
    services.push(await startService({ service: 'ingestion', env, groupPrefix, timeoutMs: 60_000 }));
    services.push(
      await startService({
        service: 'embedding',
        env: { ...env, CAIRN_EMBEDDING_PROVIDER: 'hash' },
        groupPrefix,
        timeoutMs: 60_000,
      }),
    );
    ingestion = createGrpcClient(IngestionService, services[0]!.grpcAddress, { apiKey: keys['acme']! });
  });
  after(async () => {
    ingestion?.close();
    try {
      const codes = await Promise.all(services.map((service) => service.stop()));
      assert.deepEqual(codes, [0, 0]);
    } finally {
      await collector.stop();
    }
  });

  void it('links the caller, ingestion, Kafka and embedding spans in one trace', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const ingested = await ingestion!.ingest(
      {
        document: {
          collection: 'traced',
          externalId: 'note-1',
          mimeType: 'text/plain',
          content: { case: 'text', value: 'A traced note about glaciers and their slow retreat.' },
        },
      },
      { metadata: { traceparent: `00-${traceId}-${callerSpanId}-01` } },
    );
    const { documentId } = ingested;
    await waitFor(
      async () => (await ingestion!.getDocument({ documentId })).document?.status === DocumentStatus.INDEXED,
      { timeoutMs: 60_000, description: 'the document to be indexed' },
    );

    const find = (spans: readonly CollectedSpan[], service: string, kind: number, name: RegExp) =>
      spans.find((span) => span.service === service && span.kind === kind && name.test(span.name));
    const spans = await waitFor(
      () => {
        const all = collector.trace(traceId);
        const indexedConsumed = find(all, 'cairn-ingestion', CONSUMER, /chunks-indexed/);
        return indexedConsumed ? all : undefined;
      },
      {
        timeoutMs: 30_000,
        description: () =>
          `the trace's spans (have ${collector
            .trace(traceId)
            .map((s) => `${s.service}:${s.name}`)
            .join(', ')})`,
      },
    );

    const server = find(spans, 'cairn-ingestion', SERVER, /IngestionService\/Ingest$/);
    assert.ok(server, 'the Ingest server span is in the caller’s trace');
    assert.equal(server.parentSpanId, callerSpanId, 'the server span is a child of the caller’s span');
    assert.equal(server.attributes['rpc.system'], 'grpc');

    const chunkedOut = find(spans, 'cairn-ingestion', PRODUCER, /document-chunked\.v1 publish$/);
    assert.ok(chunkedOut, 'ingestion publishes DocumentChunked in the trace');
    const chunkedIn = find(spans, 'cairn-embedding', CONSUMER, /document-chunked\.v1 process$/);
    assert.ok(chunkedIn, 'the embedding service consumes it in the same trace');
    assert.equal(chunkedIn.parentSpanId, chunkedOut.spanId, 'consumer span is a child of the producer span');
    assert.equal(chunkedIn.attributes['messaging.system'], 'kafka');

    const embed = spans.find(
      (span) => span.service === 'cairn-embedding' && span.name.startsWith('embeddings '),
    );
    assert.ok(embed, 'the model call is a span');
    assert.equal(embed.attributes['gen_ai.operation.name'], 'embeddings');
    assert.equal(embed.parentSpanId, chunkedIn.spanId);

    const indexedOut = find(spans, 'cairn-embedding', PRODUCER, /chunks-indexed\.v1 publish$/);
    const indexedIn = find(spans, 'cairn-ingestion', CONSUMER, /chunks-indexed\.v1 process$/);
    assert.ok(indexedOut && indexedIn);
    assert.equal(indexedOut.parentSpanId, chunkedIn.spanId);
    assert.equal(indexedIn.parentSpanId, indexedOut.spanId);
  });
});
