/** kafkajs error classes that mean the cluster, a broker or a partition leader was out of reach. */
const UNREACHABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTimeout',
]);

/**
 * True when a kafkajs failure says the broker could not be reached or answered "not now" (a
 * retriable protocol error such as NOT_LEADER_OR_FOLLOWER), at any depth of its cause chain — as
 * opposed to a request the broker refused for good (record too large, unknown topic, not authorized).
 */
export function isKafkaUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 10; depth++) {
    if (UNREACHABLE.has(current.name)) return true;
    if (current.name === 'KafkaJSProtocolError' && (current as { retriable?: unknown }).retriable === true)
      return true;
    current = current.cause ?? (current as { originalError?: unknown }).originalError;
  }
  return false;
}
