import type { ICustomPartitioner } from 'kafkajs';
import { partitionFor } from '../partitioner.js';

/**
 * kafkajs partitioner using the shared `partitionFor` (murmur2, as Kafka's Java default), so the
 * Kafka and embedded adapters route a key to the same partition. Keyless records go round-robin.
 */
export const cairnPartitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }) => {
    if (typeof message.partition === 'number') return message.partition;
    const count = partitionMetadata.length;
    if (message.key === null || message.key === undefined) {
      const next = counters.get(topic) ?? 0;
      counters.set(topic, next + 1);
      return next % count;
    }
    return partitionFor(message.key, count);
  };
};
