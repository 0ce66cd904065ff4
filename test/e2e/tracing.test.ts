import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AgentService, RunStatus } from '@cairn/contracts/cairn/agent/v1/agent';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import { DocumentStatus, IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { createGrpcClient, generateApiKey, type GrpcClient } from '@cairn/grpc';
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
        // Each process exports on its own schedule: wait for every span the test looks at.
        const all = collector.trace(traceId);
        const expected = [
          find(all, 'cairn-ingestion', SERVER, /IngestionService\/Ingest$/),
          find(all, 'cairn-ingestion', PRODUCER, /document-chunked\.v1 publish$/),
          find(all, 'cairn-embedding', CONSUMER, /document-chunked\.v1 process$/),
          all.find((span) => span.service === 'cairn-embedding' && span.name.startsWith('embeddings ')),
          find(all, 'cairn-embedding', PRODUCER, /chunks-indexed\.v1 publish$/),
          find(all, 'cairn-ingestion', CONSUMER, /chunks-indexed\.v1 process$/),
        ];
        return expected.every(Boolean) ? all : undefined;
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

/**
 * One agent run is one trace: the Run server span, the run's `invoke_agent` span, its GenAI `chat`
 * spans, the `execute_tool` span of the retrieve call and the retrieval service's server span in
 * another process (reached with the runner's service key), and the step events it publishes.
 */
void describe('tracing an agent run across processes', { skip: skipKafka() }, () => {
  let collector: OtlpCollector;
  const services: StartedService[] = [];
  let agents: GrpcClient<typeof AgentService> | undefined;

  before(async () => {
    collector = await OtlpCollector.start();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-trace-agent-'));
    const service = generateApiKey('_service', [Role.SERVICE], { name: 'agent-runner' });
    const { file, keys } = writeApiKeys(dir, ['acme'], [service.record]);
    const env = {
      ...collector.env(),
      CAIRN_AUTH_API_KEYS_FILE: file,
      CAIRN_EVENTS_BACKEND: 'kafka',
      CAIRN_KAFKA_BROKERS: kafkaBrokers().join(','),
      CAIRN_EMBEDDING_PROVIDER: 'hash',
    };
    const groupPrefix = `trace-agent-${Date.now().toString(36)}`;
    const retrieval = await startService({ service: 'retrieval', env, groupPrefix, timeoutMs: 60_000 });
    services.push(retrieval);
    services.push(
      await startService({
        service: 'agent-runner',
        env: {
          ...env,
          CAIRN_AUTH_SERVICE_API_KEY: service.key,
          CAIRN_AGENT_RETRIEVAL_ENDPOINT: retrieval.grpcAddress,
        },
        groupPrefix,
        timeoutMs: 60_000,
      }),
    );
    agents = createGrpcClient(AgentService, services[1]!.grpcAddress, { apiKey: keys['acme']! });
  });
  after(async () => {
    agents?.close();
    try {
      const codes = await Promise.all(services.map((s) => s.stop()));
      assert.deepEqual(codes, [0, 0]);
    } finally {
      await collector.stop();
    }
  });

  void it('links the Run call, the model calls, the tool call and the retrieval service in one trace', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    let status = RunStatus.UNSPECIFIED;
    const seen: string[] = [];
    for await (const response of agents!.run(
      { agent: 'default', input: 'What do the documents say about glaciers?' },
      { metadata: { traceparent: `00-${traceId}-${callerSpanId}-01` } },
    )) {
      status = response.status;
      seen.push(`${response.step?.kind.case}:${RunStatus[response.status]}`);
    }
    const runs = await agents!.listRuns({});
    const got = await agents!.getRun({ runId: runs.runs[0]?.runId ?? '', includeSteps: true });
    assert.equal(
      status,
      RunStatus.SUCCEEDED,
      `${seen.join(' ')} / stored: ${RunStatus[got.run?.status ?? 0]} ${got.steps.map((s) => s.kind.case).join(',')} ${JSON.stringify(got.run?.error)}`,
    );

    const byName = (spans: readonly CollectedSpan[], service: string, name: RegExp) =>
      spans.find((span) => span.service === service && name.test(span.name));
    const spans = await waitFor(
      () => {
        const all = collector.trace(traceId);
        const expected = [
          byName(all, 'cairn-agent-runner', /AgentService\/Run$/),
          byName(all, 'cairn-agent-runner', /^invoke_agent default$/),
          byName(all, 'cairn-agent-runner', /^execute_tool retrieve$/),
          byName(all, 'cairn-retrieval', /RetrievalService\/BuildContext$/),
          byName(all, 'cairn-agent-runner', /step-completed\.v1 publish$/),
        ];
        return expected.every(Boolean) && all.filter((s) => s.name.startsWith('chat ')).length >= 2
          ? all
          : undefined;
      },
      {
        timeoutMs: 30_000,
        description: () =>
          `the run's spans (have ${collector
            .trace(traceId)
            .map((s) => `${s.service}:${s.name}`)
            .join(', ')})`,
      },
    );
    const server = byName(spans, 'cairn-agent-runner', /AgentService\/Run$/);
    assert.equal(server?.parentSpanId, callerSpanId, 'the Run server span continues the caller’s trace');
    const run = byName(spans, 'cairn-agent-runner', /^invoke_agent default$/);
    assert.ok(run, 'the run is a span');
    assert.equal(run.attributes['gen_ai.operation.name'], 'invoke_agent');
    const chats = spans.filter((s) => s.service === 'cairn-agent-runner' && s.name === 'chat extractive');
    assert.equal(chats.length, 2, 'both model calls are GenAI spans');
    for (const chat of chats) {
      assert.equal(chat.parentSpanId, run.spanId);
      assert.equal(chat.attributes['gen_ai.operation.name'], 'chat');
      assert.equal(chat.attributes['gen_ai.request.model'], 'extractive');
      assert.equal(typeof chat.attributes['gen_ai.usage.input_tokens'], 'number');
    }
    const tool = byName(spans, 'cairn-agent-runner', /^execute_tool retrieve$/);
    assert.equal(tool?.parentSpanId, run.spanId);
    assert.equal(tool?.attributes['gen_ai.tool.name'], 'retrieve');
    const retrieval = byName(spans, 'cairn-retrieval', /RetrievalService\/BuildContext$/);
    assert.equal(
      retrieval?.parentSpanId,
      tool?.spanId,
      'the retrieval server span is a child of the tool call',
    );
    assert.ok(
      spans.some((s) => s.service === 'cairn-agent-runner' && /step-completed\.v1 publish$/.test(s.name)),
      'the step events are published in the trace',
    );
  });
});
