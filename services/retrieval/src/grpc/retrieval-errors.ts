import { GrpcError, Status } from '@cairn/grpc';
import { VectorStoreError } from '@cairn/vector-store';

const STORE_CODES: Record<VectorStoreError['code'], Status> = {
  INVALID_ARGUMENT: Status.INVALID_ARGUMENT,
  NOT_FOUND: Status.NOT_FOUND,
  UNAVAILABLE: Status.UNAVAILABLE,
};

/**
 * Vector tier failures → a gRPC status with a reason (a filter the store cannot express is the
 * caller's to fix, an unreachable store is worth a retry); anything else is rethrown.
 */
export function toGrpcError(error: unknown): unknown {
  if (error instanceof VectorStoreError) {
    return new GrpcError(STORE_CODES[error.code], error.message, {
      reason: `VECTOR_STORE_${error.code}`,
      ...(error.code === 'INVALID_ARGUMENT' ? { field: 'filter' } : {}),
    });
  }
  return error;
}
