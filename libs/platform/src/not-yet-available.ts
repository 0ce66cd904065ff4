import { GrpcError, Status } from '@cairn/grpc';

/**
 * The status an RPC answers while its capability is not part of this release: UNIMPLEMENTED with a
 * reason a client can act on, never a fake success.
 */
export function notYetAvailable(method: string): GrpcError {
  return new GrpcError(Status.UNIMPLEMENTED, `${method} is not available in this release of Cairn yet`, {
    reason: 'CAPABILITY_NOT_AVAILABLE',
    metadata: { method },
  });
}
