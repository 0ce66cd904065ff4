import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { create, fromBinary, type MessageShape } from '@bufbuild/protobuf';
import { DocumentChunkedSchema, DocumentSubmittedSchema } from '@cairn/contracts/cairn/ingestion/v1/events';
import { KafkaEventBus, topicFor, type EventEnvelope } from '@cairn/events';
import { silentLogger } from '@cairn/observability';
import { waitFor } from '@cairn/testing';
import { kafkaBrokers, skipKafka, toolPath } from '../support/repo.js';

const run = promisify(execFile);

/** kcat (librdkafka: a Kafka client of another system) talks to Cairn through real Kafka. */
void describe('kcat interop on real Kafka', { skip: skipKafka() }, () => {
  const submitted = topicFor(DocumentSubmittedSchema);
  const chunked = topicFor(DocumentChunkedSchema);
  let bus: KafkaEventBus;
  let brokers: string;

  before(async () => {
    brokers = kafkaBrokers().join(',');
    bus = new KafkaEventBus({ brokers: kafkaBrokers(), clientId: 'kcat-interop', logger: silentLogger() });
    await bus.start();
    await bus.ensureTopics([submitted, chunked]);
  });
  after(() => bus.stop());

  void it('a JSON message kcat produces on an ingress topic is decoded by a Cairn consumer', async () => {
    const externalId = `kcat-${randomUUID()}`;
    const received: EventEnvelope<MessageShape<typeof DocumentSubmittedSchema>>[] = [];
    const subscription = await bus.subscribe(submitted, {
      group: `interop-${randomUUID()}`,
      handler: async (event) => {
        if (event.payload.externalId === externalId) received.push(event);
      },
    });
    try {
      const json = JSON.stringify({
        tenant: 'acme',
        externalId,
        collection: 'handbook',
        title: 'Travel policy',
        mimeType: 'text/markdown',
        metadata: { team: 'finance' },
        text: '# Travel\nBook economy class.',
      });
      await produceWithKcat(brokers, submitted.name, externalId, json, {
        'content-type': 'application/json',
      });

      const [event] = await waitFor(() => (received.length > 0 ? received : undefined), {
        timeoutMs: 30_000,
        description: 'the kcat message to reach the Cairn consumer',
      });
      assert.equal(event!.contentType, 'application/json');
      assert.equal(event!.tenant, 'acme');
      assert.equal(event!.key, externalId);
      assert.equal(event!.payload.collection, 'handbook');
      assert.deepEqual(event!.payload.metadata, { team: 'finance' });
      assert.deepEqual(event!.payload.content, { case: 'text', value: '# Travel\nBook economy class.' });
    } finally {
      await subscription.close();
    }
  });

  void it('kcat consumes a Cairn event: protobuf payload and the Cairn headers', async () => {
    const documentId = `doc-${randomUUID()}`;
    const published = await bus.publish(
      chunked,
      create(DocumentChunkedSchema, {
        tenant: 'acme',
        documentId,
        documentVersion: 3,
        collection: 'handbook',
      }),
      { tenant: 'acme', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    );

    const { stdout } = await run(
      toolPath('kcat'),
      [
        '-C',
        '-b',
        brokers,
        '-t',
        chunked.name,
        '-p',
        String(published.partition),
        '-o',
        published.offset,
        '-c',
        '1',
        '-e',
        '-q',
        '-f',
        '%k\n%h\n%S\n%s',
      ],
      { encoding: 'buffer', timeout: 30_000 },
    );
    const text = stdout.toString('latin1');
    const [key, headerLine, sizeLine] = text.split('\n', 3);
    const headerEnd = key!.length + headerLine!.length + sizeLine!.length + 3;
    const payload = stdout.subarray(headerEnd, headerEnd + Number(sizeLine));
    assert.equal(key, documentId, 'keyed by the entity id');
    const headers = Object.fromEntries(
      headerLine!.split(',').map((pair) => pair.split('=', 2) as [string, string]),
    );
    assert.equal(headers['cairn-event-type'], 'cairn.ingestion.v1.DocumentChunked');
    assert.equal(headers['cairn-tenant'], 'acme');
    assert.equal(headers['cairn-event-id'], published.eventId);
    assert.equal(headers['content-type'], 'application/x-protobuf');
    assert.equal(headers['traceparent'], '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    const decoded = fromBinary(DocumentChunkedSchema, payload);
    assert.equal(decoded.documentId, documentId);
    assert.equal(decoded.documentVersion, 3);
  });
});

async function produceWithKcat(
  brokers: string,
  topic: string,
  key: string,
  value: string,
  headers: Record<string, string>,
): Promise<void> {
  const args = ['-P', '-b', brokers, '-t', topic, '-k', key];
  for (const [name, headerValue] of Object.entries(headers)) args.push('-H', `${name}=${headerValue}`);
  const child = spawn(toolPath('kcat'), args, { stdio: ['pipe', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(`${value}\n`);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, `kcat -P failed: ${stderr}`);
}
