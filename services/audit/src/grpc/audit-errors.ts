import { AuditStoreError } from '@cairn/audit-store';
import { GrpcError, Status } from '@cairn/grpc';
import { AuditSubjectNotFoundError, InvalidAuditRequestError } from '../trail/audit-errors.js';

/** Domain failures → a gRPC status with a reason the caller can act on; anything else is rethrown. */
export function toGrpcError(error: unknown): unknown {
  if (error instanceof InvalidAuditRequestError)
    return new GrpcError(Status.INVALID_ARGUMENT, error.message, {
      reason: error.reason,
      field: error.field,
    });
  if (error instanceof AuditSubjectNotFoundError)
    return new GrpcError(Status.NOT_FOUND, error.message, { reason: error.reason });
  if (error instanceof AuditStoreError)
    return new GrpcError(
      error.code === 'UNAVAILABLE' ? Status.UNAVAILABLE : Status.INVALID_ARGUMENT,
      error.message,
      { reason: `AUDIT_STORE_${error.code}` },
    );
  return error;
}
