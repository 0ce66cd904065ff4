import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { createGrpcClient, type GrpcClient } from '@cairn/grpc';
import { waitFor } from '@cairn/testing';
import { hasMetric, scrapeMetric } from '../support/metrics.js';
import { kafkaBrokers, skipKafka, toolPath } from '../support/repo.js';
import { startService, type StartedService } from '../support/service-process.js';

const run = promisify(execFile);
const INGRESS = 'cairn.ingestion.document-submitted.v1';

/** Another system's producer (kcat) feeds the ingestion service running alone on Kafka. */
void describe('ingestion from the Kafka ingress topic', { skip: skipKafka() }, () => {
  let ingestion: StartedService;
  let client: GrpcClient<typeof IngestionService>;
  const tenant = 'default';

  before(async () => {
    ingestion = await startService({
      service: 'ingestion',
      env: {
        CAIRN_EVENTS_BACKEND: 'kafka',
        CAIRN_KAFKA_BROKERS: kafkaBrokers().join(','),
        CAIRN_EVENTS_MAX_ATTEMPTS: '2',
      },
      timeoutMs: 60_000,
    });
    const key = readFileSync(join(ingestion.dataDir, '.cairn', 'api-key'), 'utf8').trim();
    client = createGrpcClient(IngestionService, ingestion.grpcAddress, { apiKey: key });
  });
  after(async () => {
    client.close();
    assert.equal(await ingestion.stop(), 0);
  });

  void it('a JSON document produced by kcat is ingested', async () => {
    const externalId = `kcat-${randomUUID()}`;
    await produce(externalId, {
      tenant,
      externalId,
      collection: 'kafka-docs',
      title: 'Release notes',
      mimeType: 'text/markdown',
      text: '# Release 1.2\n\nAdds hybrid search and faster ingestion.',
    });
    const listed = await waitFor(
      async () => {
        const page = await client.listDocuments({ collection: 'kafka-docs' });
        return page.documents.find((document) => document.externalId === externalId);
      },
      { timeoutMs: 60_000, intervalMs: 200, description: 'the kcat document to be ingested' },
    );
    assert.equal(listed.title, 'Release notes');
    assert.ok(listed.chunkCount >= 1);
  });

  void it('a document that cannot be ingested lands in the DLQ with its cause, and the partition moves on', async () => {
    const bad = `bad-${randomUUID()}`;
    const good = `good-${randomUUID()}`;
    await produce(bad, {
      tenant,
      externalId: bad,
      collection: 'kafka-docs',
      mimeType: 'application/x-msdownload',
      text: 'MZ',
    });
    await produce(good, {
      tenant,
      externalId: good,
      collection: 'kafka-docs',
      mimeType: 'text/plain',
      text: 'Fine.',
    });
    await waitFor(
      async () =>
        (await client.listDocuments({ collection: 'kafka-docs' })).documents.some(
          (document) => document.externalId === good,
        ),
      { timeoutMs: 60_000, intervalMs: 200, description: 'the good document after the poison one' },
    );
    const { stdout } = await run(
      toolPath('kcat'),
      [
        '-C',
        '-b',
        kafkaBrokers().join(','),
        '-t',
        `${INGRESS}.dlq`,
        '-o',
        'beginning',
        '-e',
        '-q',
        '-f',
        '%k\t%h\n',
      ],
      { timeout: 30_000 },
    );
    const line = stdout.split('\n').find((entry) => entry.startsWith(`${bad}\t`));
    assert.ok(line, `the poison document is in ${INGRESS}.dlq`);
    assert.match(line, /cairn-dlq-error=[^,]*not supported/);
    assert.match(line, new RegExp(`cairn-dlq-original-topic=${INGRESS.replaceAll('.', '\\.')}`));
  });

  void it('reports deliveries, dead letters, consumer lag and RPCs on /metrics, and Kafka on /readyz', async () => {
    const base = ingestion.httpBase;
    const ingress = { topic: INGRESS };
    assert.ok(
      (await scrapeMetric(base, 'cairn_events_handled_total', ingress)) >= 1,
      'ingress events handled',
    );
    assert.ok(
      (await scrapeMetric(base, 'cairn_events_dead_lettered_total', ingress)) >= 1,
      'the poison document is counted as dead-lettered',
    );
    assert.ok((await scrapeMetric(base, 'cairn_events_handler_failures_total', ingress)) >= 1);
    assert.ok(await hasMetric(base, 'cairn_events_consumer_lag'), 'consumer lag per owned partition');
    assert.equal(
      await scrapeMetric(base, 'cairn_events_consumer_lag', ingress),
      0,
      'the ingress topic is drained',
    );
    assert.ok(
      (await scrapeMetric(base, 'cairn_grpc_server_handled_total', {
        method: '/cairn.ingestion.v1.IngestionService/ListDocuments',
        code: 'OK',
      })) >= 1,
      'RPCs are counted by method and code',
    );
    const ready = (await (await fetch(`${base}/readyz`)).json()) as {
      ready: boolean;
      checks: Record<string, unknown>;
    };
    assert.equal(ready.ready, true);
    assert.ok('event-bus' in ready.checks, `readiness covers the event bus: ${JSON.stringify(ready)}`);
  });
});

async function produce(key: string, document: Record<string, unknown>): Promise<void> {
  const child = spawn(
    toolPath('kcat'),
    ['-P', '-b', kafkaBrokers().join(','), '-t', INGRESS, '-k', key, '-H', 'content-type=application/json'],
    {
      stdio: ['pipe', 'inherit', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(`${JSON.stringify(document)}\n`);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, `kcat -P failed: ${stderr}`);
}
