/**
 * Child process of the contract suite's crash test: consumes a text topic and records every
 * payload in a sqlite file, acknowledging slowly. The parent SIGKILLs it mid-way.
 * Usage: node consumer-child.js '<ConsumerChildConfig as JSON>'
 */
import { setTimeout as delay } from 'node:timers/promises';
import { StringValueSchema } from '@bufbuild/protobuf/wkt';
import { createLogger } from '@cairn/observability';
import { defineTopic } from '../topic-spec.js';
import { createBusFromSpec, type BusSpec } from './child-bus.js';
import { ReceivedLog } from './received-log.js';

/** Configuration passed by the parent as argv[2]. */
export interface ConsumerChildConfig {
  readonly bus: BusSpec;
  readonly topic: string;
  readonly group: string;
  readonly recordPath: string;
  readonly ackDelayMs: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ConsumerChildConfig;
const logger = createLogger({ service: 'consumer-child', level: 'warn' });
const received = new ReceivedLog(config.recordPath);
const bus = createBusFromSpec(config.bus, logger);
const topic = defineTopic({ name: config.topic, schema: StringValueSchema, key: (message) => message.value });

process.once('SIGTERM', () => {
  bus.stop().then(
    () => {
      received.close();
      process.exit(0);
    },
    (error: unknown) => {
      logger.error({ err: error }, 'stop failed');
      process.exit(1);
    },
  );
});

await bus.start();
await bus.subscribe(topic, {
  group: config.group,
  handler: async (event) => {
    received.record(event.payload.value, event.partition, event.offset);
    await delay(config.ackDelayMs); // the slow acknowledgement the parent kills us in
  },
});
logger.warn({ pid: process.pid }, 'consumer child subscribed');
