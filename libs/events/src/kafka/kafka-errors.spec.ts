import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKafkaUnavailable } from './kafka-errors.js';

function kafkaError(name: string, cause?: unknown, extra: Record<string, unknown> = {}): Error {
  const error = new Error(`${name} happened`, cause === undefined ? {} : { cause });
  error.name = name;
  return Object.assign(error, extra);
}

void describe('isKafkaUnavailable', () => {
  void it('is true for a broker that refuses connections, wrapped as kafkajs wraps it', () => {
    const refused = kafkaError('KafkaJSConnectionError');
    assert.equal(isKafkaUnavailable(kafkaError('KafkaJSNonRetriableError', refused)), true);
    assert.equal(isKafkaUnavailable(kafkaError('KafkaJSNumberOfRetriesExceeded', refused)), true);
    assert.equal(isKafkaUnavailable(kafkaError('KafkaJSRequestTimeoutError')), true);
  });

  void it('is true for a retriable protocol error (no leader during an election)', () => {
    const error = kafkaError('KafkaJSProtocolError', undefined, {
      retriable: true,
      type: 'NOT_LEADER_OR_FOLLOWER',
    });
    assert.equal(isKafkaUnavailable(error), true);
  });

  void it('is false for requests refused for good and for errors that are not Kafka’s', () => {
    const tooLarge = kafkaError('KafkaJSProtocolError', undefined, {
      retriable: false,
      type: 'MESSAGE_TOO_LARGE',
    });
    assert.equal(isKafkaUnavailable(tooLarge), false);
    assert.equal(isKafkaUnavailable(kafkaError('KafkaJSNonRetriableError', tooLarge)), false);
    assert.equal(isKafkaUnavailable(new TypeError('bad payload')), false);
    assert.equal(isKafkaUnavailable('ECONNREFUSED'), false);
  });
});
