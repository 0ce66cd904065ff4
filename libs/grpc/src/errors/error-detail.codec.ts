import type { Metadata } from '@grpc/grpc-js';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ErrorDetailSchema } from '@cairn/contracts/cairn/common/v1/common';
import type { ErrorDetailInit } from './grpc-error.js';

/** Binary trailer carrying a protobuf `cairn.common.v1.ErrorDetail` next to the gRPC status. */
export const ERROR_DETAIL_TRAILER = 'cairn-error-bin';

/**
 * Trailer keys a client reads the detail from: ours first, then the key the comment in
 * cairn/common/v1/common.proto names, so either spelling is understood while they differ.
 */
const READ_TRAILERS = [ERROR_DETAIL_TRAILER, 'cairn-error-detail-bin'] as const;

/** Encodes a detail for the trailer; `message` is the status message, repeated in the detail. */
export function encodeErrorDetail(detail: ErrorDetailInit, message = ''): Buffer {
  const proto = create(ErrorDetailSchema, {
    reason: detail.reason,
    field: detail.field ?? '',
    message,
    metadata: { ...detail.metadata },
  });
  return Buffer.from(toBinary(ErrorDetailSchema, proto));
}

/**
 * Decodes a trailer value; undefined when the bytes are not an ErrorDetail (a peer that is not
 * Cairn): the status code and message still reach the caller.
 */
export function decodeErrorDetail(bytes: Uint8Array): ErrorDetailInit | undefined {
  let detail;
  try {
    detail = fromBinary(ErrorDetailSchema, bytes);
  } catch {
    return undefined;
  }
  return {
    reason: detail.reason,
    ...(detail.field ? { field: detail.field } : {}),
    ...(Object.keys(detail.metadata).length > 0 ? { metadata: { ...detail.metadata } } : {}),
  };
}

/** The detail carried by a call's trailers, if any. */
export function errorDetailFromTrailers(trailers: Metadata | undefined): ErrorDetailInit | undefined {
  for (const key of READ_TRAILERS) {
    const raw = trailers?.get(key)[0];
    if (raw instanceof Buffer) return decodeErrorDetail(raw);
  }
  return undefined;
}
