import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { StringValueSchema } from '@bufbuild/protobuf/wkt';
import { silentLogger } from '@cairn/observability';
import { InMemoryIdempotencyStore } from '../idempotency/in-memory.idempotency-store.js';
import { runEventBusContract } from '../testing/event-bus.contract.js';
import { Collected } from '../testing/wait-for.js';
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
