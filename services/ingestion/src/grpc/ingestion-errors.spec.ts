import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventBusUnavailableError } from '@cairn/events';
import { GrpcError, Status } from '@cairn/grpc';
import { toGrpcError } from './ingestion-errors.js';

void describe('ingestion gRPC errors', () => {
  void it('an event log that did not take the append is UNAVAILABLE (retry), not INTERNAL', () => {
    const mapped = toGrpcError(new EventBusUnavailableError('Kafka did not acknowledge the append'));
    assert.ok(mapped instanceof GrpcError);
    assert.equal(mapped.code, Status.UNAVAILABLE);
    assert.equal(mapped.details?.reason, 'EVENTS_UNAVAILABLE');
  });

  void it('leaves errors it does not know as they are', () => {
    const error = new Error('boom');
    assert.equal(toGrpcError(error), error);
  });
});
