import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, type DescMessage } from '@bufbuild/protobuf';
import { toBinary } from '@bufbuild/protobuf';
import { eventSchemas } from '@cairn/contracts';
import { ContentTypes, EventHeaders, topicFor } from '@cairn/events';
import { waitFor } from '@cairn/testing';
import { skipKafka } from '../support/repo.js';
import { auditRecords } from './support/audit-check.js';
import { consumersByTopic, platformTopics, type DeadLetter } from './support/dlq-reader.js';
import { assertInvariants, faultEnvironment } from './support/fault-environment.js';
import { FAULT_COLLECTION } from './support/ingest-load.js';
import { faultDocument } from './support/ack-ledger.js';
import { appendRaw, groupCaughtUp, readTopics, resetGroup, type LoggedRecord } from './support/raw-log.js';

const CHUNKED = 'cairn.ingestion.document-chunked.v1';

/** Two poison records for a topic: bytes that are no protobuf, and a valid payload naming another tenant. */
function poison(schema: DescMessage, tenant: string): LoggedRecord[] {
  const topic = topicFor(schema).name;
  const headers = (kind: string) => ({
    [EventHeaders.eventId]: `poison-${kind}-${topic}`,
    [EventHeaders.eventType]: schema.typeName,
    [EventHeaders.tenant]: tenant,
    [EventHeaders.contentType]: ContentTypes.protobuf,
  });
  assert.ok(
    schema.fields.some((field) => field.name === 'tenant'),
    `${schema.typeName} has a tenant field`,
  );
  const forged = toBinary(schema, create(schema, { tenant: 'someone-else' }));
  return [
    {
      topic,
      key: Buffer.from('poison'),
      value: Buffer.from([0xff, 0xff, 0xff, 0xff]),
      headers: headers('bytes'),
    },
    { topic, key: Buffer.from('poison'), value: Buffer.from(forged), headers: headers('tenant') },
  ];
}

/** Faults 3 and 4: deliveries repeated, and a poison message on every topic. */
void describe('faults: duplicated deliveries and poison messages', { skip: skipKafka() }, () => {
  const env = faultEnvironment({ kafka: 19144, postgres: 15542 });

  async function ingestBatch(prefix: string, count: number): Promise<void> {
    const clients = env.topology.tenant();
    for (let i = 0; i < count; i++) {
      const acked = await env.ledger.ingest(clients, FAULT_COLLECTION, `${prefix}-${i}`, faultDocument(i));
      assert.ok(acked, `${prefix}-${i} acknowledged`);
      if (i % 3 === 2)
        assert.ok(await env.ledger.ingest(clients, FAULT_COLLECTION, `${prefix}-${i}`, faultDocument(i, 1)));
    }
  }

  void it('every event delivered twice (appended again, and replayed from offset 0) changes nothing', async () => {
    const { topology, ledger } = env;
    const clients = topology.tenant();
    await ingestBatch('dup', 9);
    await assertInvariants(env);
    // Searches (the checks' own) add records; every other record must stay as it is.
    const recorded = async (): Promise<number> =>
      (await auditRecords(clients)).filter((r) => r.eventType !== 'cairn.retrieval.v1.SearchPerformed')
        .length;
    const recordsBefore = await recorded();

    // Every record of the tenant on every topic appended once more, with its own event id.
    const logged = (await readTopics(env.kafka.address, platformTopics())).filter(
      (record) => record.headers[EventHeaders.tenant] === clients.tenant,
    );
    assert.ok(logged.some((r) => r.topic === CHUNKED));
    await appendRaw(env.kafka.address, logged);

    // And the embedding group reads its topic again from the start.
    assert.equal(await topology.terminate('embedding'), 0);
    const group = `${topology.groupPrefix}-embedding:${CHUNKED}`;
    await resetGroup(env.kafka.address, group);
    await topology.revive('embedding');
    await waitFor(() => groupCaughtUp(env.kafka.address, group, CHUNKED), {
      timeoutMs: 60_000,
      intervalMs: 500,
      description: 'the embedding group to replay its topic',
    });
    await assertInvariants(env);
    assert.equal(await recorded(), recordsBefore, 'no second audit record for any event');
    assert.ok(ledger.size >= 9);
  });

  void it('a poison message on every topic is dead-lettered with its cause by each consumer, and work goes on', async () => {
    const { topology } = env;
    const tenant = topology.tenant().tenant;
    const poisons = eventSchemas.flatMap((schema) => poison(schema, tenant));
    await appendRaw(env.kafka.address, poisons);
    await ingestBatch('after-poison', 6);

    const consumers = await consumersByTopic(env.kafka.address, topology.groupPrefix);
    const expected = poisons
      .flatMap((p) =>
        (consumers.get(p.topic) ?? []).map(
          (group) => `${p.topic} ${group} ${p.headers[EventHeaders.eventId]}`,
        ),
      )
      .sort();
    assert.ok(consumers.size >= 6, `consumer groups found: ${[...consumers.keys()].join(', ')}`);
    await assertInvariants(env, (letters: readonly DeadLetter[]) => {
      assert.deepEqual(
        letters.map((l) => `${l.originalTopic} ${l.group} ${l.eventId}`).sort(),
        expected,
        'the DLQ holds each poison message once per consumer group of its topic, and nothing else',
      );
      for (const letter of letters) {
        const cause = letter.eventId?.startsWith('poison-bytes')
          ? /cannot decode protobuf/
          : /payload's tenant "someone-else"/;
        assert.match(letter.cause, cause, `${letter.originalTopic} ${letter.group}`);
        assert.equal(letter.attempts, 0, 'undecodable events are dead-lettered at once');
      }
    });
  });
});
