import { DocumentRegistryError } from '@cairn/document-registry';
import { EventBusUnavailableError } from '@cairn/events';
import { DocumentRejectedError } from '@cairn/ingestion-domain';
import { GrpcError, Status } from '@cairn/grpc';
import { DocumentNotFoundError, IngestRejectedError } from '../ingest/ingest-command.js';

/** Domain failures → a gRPC status with a reason the caller can act on; anything else is rethrown. */
export function toGrpcError(error: unknown): unknown {
  if (error instanceof DocumentRejectedError) {
    return new GrpcError(Status.INVALID_ARGUMENT, error.message, { reason: error.reason });
  }
  if (error instanceof IngestRejectedError) {
    return new GrpcError(Status.INVALID_ARGUMENT, error.message, {
      reason: error.reason,
      ...(error.field ? { field: error.field } : {}),
    });
  }
  if (error instanceof DocumentNotFoundError) {
    return new GrpcError(Status.NOT_FOUND, error.message, { reason: 'DOCUMENT_NOT_FOUND' });
  }
  if (error instanceof DocumentRegistryError) {
    const code =
      error.code === 'UNAVAILABLE'
        ? Status.UNAVAILABLE
        : error.code === 'FAILED_PRECONDITION'
          ? Status.FAILED_PRECONDITION
          : Status.INVALID_ARGUMENT;
    return new GrpcError(code, error.message, { reason: `REGISTRY_${error.code}` });
  }
  if (error instanceof EventBusUnavailableError) {
    // Recorded but not announced: the same Ingest, retried, publishes the version again.
    return new GrpcError(Status.UNAVAILABLE, `the event log is unavailable, retry: ${error.message}`, {
      reason: 'EVENTS_UNAVAILABLE',
    });
  }
  return error;
}
