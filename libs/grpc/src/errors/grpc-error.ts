import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { encodeErrorDetail, ERROR_DETAIL_TRAILER, errorDetailFromTrailers } from './error-detail.codec.js';

/** Machine-readable detail of an error (the protobuf `cairn.common.v1.ErrorDetail`). */
export interface ErrorDetailInit {
  /** Stable, UPPER_SNAKE reason a client can switch on (`TENANT_MISMATCH`, `DOCUMENT_NOT_FOUND`). */
  readonly reason: string;
  /** Request field the error is about, as a path (`document.content_type`). */
  readonly field?: string;
  /** Extra key/value context; never secrets or document contents. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * An error with a gRPC status code and a message meant for the caller. Thrown by handlers (the
 * server sends the code, the message and the detail in the `cairn-error-bin` trailer) and by
 * clients created with `createGrpcClient` (parsed back from the status).
 */
export class GrpcError extends Error {
  override readonly name = 'GrpcError';

  constructor(
    readonly code: Status,
    message: string,
    readonly details?: ErrorDetailInit,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Name of the status code (`PERMISSION_DENIED`). */
  get codeName(): string {
    return Status[this.code] ?? `CODE_${this.code}`;
  }

  /** The status grpc-js sends: code, message, and the detail trailer when there is a detail. */
  toStatus(): { code: Status; details: string; metadata: Metadata } {
    const metadata = new Metadata();
    if (this.details) metadata.set(ERROR_DETAIL_TRAILER, encodeErrorDetail(this.details, this.message));
    return { code: this.code, details: this.message, metadata };
  }

  /** Rebuilds a GrpcError from a failed grpc-js call (client side), detail trailer parsed if present. */
  static fromServiceError(error: ServiceError): GrpcError {
    return new GrpcError(error.code, error.details, errorDetailFromTrailers(error.metadata), {
      cause: error,
    });
  }
}

/** True for the errors grpc-js reports for failed calls (`code`, `details`, `metadata`). */
export function isServiceError(error: unknown): error is ServiceError {
  return (
    error instanceof Error &&
    typeof (error as Partial<ServiceError>).code === 'number' &&
    typeof (error as Partial<ServiceError>).details === 'string'
  );
}

export { Status };

/**
 * Runs a handler and turns its failures into statuses with `toGrpcError` (a service's mapping of
 * its domain errors; what it does not know it returns as is).
 */
export async function mapErrors<T>(
  work: () => Promise<T>,
  toGrpcError: (error: unknown) => unknown,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toGrpcError(error);
  }
}
