import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { StringValueSchema } from '@bufbuild/protobuf/wkt';
import { silentLogger } from '@cairn/observability';
import { InMemoryIdempotencyStore } from '../idempotency/in-memory.idempotency-store.js';
import { runEventBusContract } from '../testing/event-bus.contract.js';
import { Collected, waitFor } from '../testing/wait-for.js';
import { defineTopic } from '../topic-spec.js';
import { KafkaEventBus } from './kafka.event-bus.js';
import type { KafkaConsumerTuning } from './kafka.options.js';

// Tests read the broker address from the environment (the config module is for services).
// eslint-disable-next-line no-restricted-properties
const { CAIRN_KAFKA_BROKERS: brokersEnv, CAIRN_TEST_SKIP_KAFKA: skipKafka } = process.env;
const skip = skipKafka === '1' ? 'CAIRN_TEST_SKIP_KAFKA=1: Kafka contract suite not run' : undefined;

/** Short group timeouts so joins, leaves and a killed member's expiry take seconds. */
const consumer: KafkaConsumerTuning = {
  sessionTimeoutMs: 6_000, // the broker's group.min.session.timeout.ms
  heartbeatIntervalMs: 500,
  rebalanceTimeoutMs: 10_000,
  maxWaitTimeMs: 250,
  partitionsConsumedConcurrently: 4,
};

if (brokersEnv === undefined && skip === undefined) {
  void describe('KafkaEventBus', () => {
    void it('needs a Kafka broker', () => {
      assert.fail(
        'CAIRN_KAFKA_BROKERS is not set: run `deploy/local/kafka.sh start` and export the CAIRN_KAFKA_BROKERS=... line it prints ' +
          '(or set CAIRN_TEST_SKIP_KAFKA=1 to skip the Kafka contract suite)',
      );
    });
  });
} else {
  const brokers = (brokersEnv ?? '').split(',').filter((b) => b !== '');
  // Shared by every bus instance of the suite, so applied keys survive a "restart".
  const idempotencyStore = new InMemoryIdempotencyStore();
  const makeBus = async (): Promise<KafkaEventBus> =>
    new KafkaEventBus({
      brokers,
      clientId: 'cairn-contract',
      logger: silentLogger(),
      consumer,
      idempotencyStore,
      connectionTimeoutMs: 3_000,
    });

  runEventBusContract('EventBus contract: Kafka (real broker from deploy/local/kafka.sh)', {
    ...(skip === undefined ? {} : { skip }),
    makeBus,
    child: { adapter: 'kafka', brokers, consumer },
    timeoutMs: 20_000,
    rewindGroup: async (group, topic) => {
      const bus = await makeBus();
      await bus.start();
      try {
        await bus.resetGroupOffsets(group, topic);
      } finally {
        await bus.stop();
      }
    },
  });

  void describe('KafkaEventBus specifics', skip === undefined ? {} : { skip }, () => {
    void it(
      'commits handled records in batches by default, not one broker round trip per record',
      { timeout: 60_000 },
      async () => {
        // The default count (100), with the interval out of the way so that a slow machine cannot trip it.
        const bus = new KafkaEventBus({
          brokers,
          clientId: 'cairn-batched-commits',
          logger: silentLogger(),
          consumer: { ...consumer, commitIntervalMs: 600_000 },
          connectionTimeoutMs: 3_000,
        });
        await bus.start();
        try {
          const topic = defineTopic({
            name: `kafka.batched-commits.${Date.now()}`,
            schema: StringValueSchema,
            key: () => 'k',
          });
          await bus.ensureTopics([topic], { partitions: 1 });
          for (let i = 0; i < 20; i++)
            await bus.publish(topic, create(StringValueSchema, { value: `k:${i}` }), { tenant: 't' });
          const handled = new Collected<string>();
          let release!: () => void;
          const released = new Promise<void>((resolve) => (release = resolve));
          await bus.subscribe(topic, {
            group: 'batched-commits',
            handler: async (e) => {
              handled.push(e.payload.value);
              if (e.payload.value === 'k:10') await released;
            },
          });
          await handled.until((items) => items.includes('k:10'), { timeoutMs: 20_000 });
          // Ten records handled, a hundred needed for a commit.
          assert.deepEqual(
            (await bus.consumerLag()).map((l) => l.lag),
            [20],
            'nothing committed yet',
          );
          release();
          await handled.atLeast(20, { timeoutMs: 20_000 });
          // The end of the fetched batch commits what was handled.
          await waitFor(async () => (await bus.consumerLag()).every((l) => l.lag === 0), {
            timeoutMs: 20_000,
            description: 'the batch to be committed',
          });
        } finally {
          await bus.stop();
        }
      },
    );

    void it(
      'keeps group membership while a handler runs longer than the session timeout',
      { timeout: 60_000 },
      async () => {
        const bus = await makeBus();
        await bus.start();
        try {
          const topic = defineTopic({
            name: `kafka.long-handler.${Date.now()}`,
            schema: StringValueSchema,
            key: () => 'k',
          });
          await bus.ensureTopics([topic], { partitions: 1 });
          const handled = new Collected<string>();
          await bus.subscribe(topic, {
            group: 'long-handler',
            handler: async (e) => {
              if (e.payload.value === 'slow') await delay(consumer.sessionTimeoutMs! + 2_000); // the long-running work itself
              handled.push(e.payload.value);
            },
          });
          await bus.publish(topic, create(StringValueSchema, { value: 'slow' }), { tenant: 't' });
          await bus.publish(topic, create(StringValueSchema, { value: 'next' }), { tenant: 't' });
          await handled.until((items) => items.includes('next'), { timeoutMs: 30_000 });
          // Evicted members cannot commit: the slow event would have been delivered again.
          assert.deepEqual(handled.items, ['slow', 'next']);
        } finally {
          await bus.stop();
        }
      },
    );
  });
}
