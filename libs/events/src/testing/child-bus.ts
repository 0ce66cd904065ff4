import type { Logger } from '@cairn/observability';
import { EmbeddedEventBus } from '../embedded/embedded.event-bus.js';
import type { EventBus } from '../event-bus.port.js';
import { KafkaEventBus } from '../kafka/kafka.event-bus.js';
import type { KafkaConsumerTuning } from '../kafka/kafka.options.js';

/** A serialisable description of a bus, so a child process can open the same log or broker. */
export type BusSpec =
  | { readonly adapter: 'embedded'; readonly path: string; readonly partitions?: number }
  | {
      readonly adapter: 'kafka';
      readonly brokers: readonly string[];
      readonly consumer?: KafkaConsumerTuning;
    };

/** Builds the (not started) bus a `BusSpec` describes. */
export function createBusFromSpec(spec: BusSpec, logger: Logger): EventBus {
  switch (spec.adapter) {
    case 'embedded':
      return new EmbeddedEventBus({
        path: spec.path,
        logger,
        synchronous: 'NORMAL',
        ...(spec.partitions === undefined ? {} : { partitions: spec.partitions }),
      });
    case 'kafka':
      return new KafkaEventBus({
        brokers: spec.brokers,
        logger,
        clientId: 'cairn-contract-child',
        ...(spec.consumer ? { consumer: spec.consumer } : {}),
      });
  }
}
