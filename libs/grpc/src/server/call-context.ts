import type { Metadata } from '@grpc/grpc-js';
import type { DescMethod } from '@bufbuild/protobuf';
import type { ApiKeyPrincipal } from '../auth/api-key-store.port.js';
import { GrpcError, Status } from '../errors/grpc-error.js';
import type { CallContext } from './service-impl.types.js';

/** A cancel this close to the deadline is the deadline (the client's timer fired first). */
const DEADLINE_SKEW_MS = 250;

/** What every kind of grpc-js server call has (grpc-js does not export the type). */
export interface ServerSurfaceCall {
  readonly cancelled: boolean;
  readonly metadata: Metadata;
  getPeer(): string;
  getDeadline(): Date | number;
  on(event: 'cancelled', listener: () => void): unknown;
  off(event: 'cancelled', listener: () => void): unknown;
}

/** A call's context plus the hook to release its timer and listeners when the call is over. */
export interface OpenedCall {
  readonly context: CallContext;
  /** Removes the cancel listener and the deadline timer. Idempotent. */
  readonly close: () => void;
}

/**
 * Builds the {@link CallContext} of a call: its signal aborts (reason: a {@link GrpcError}) when
 * the client cancels or the deadline passes, whichever comes first.
 */
export function openCall(
  call: ServerSurfaceCall,
  method: DescMethod,
  principal: ApiKeyPrincipal | undefined,
  /** The server span's context, which handlers continue; defaults to the caller's. */
  traceparent?: string,
): OpenedCall {
  const controller = new AbortController();
  const deadline = deadlineOf(call);
  const abortOnDeadline = (): void =>
    controller.abort(new GrpcError(Status.DEADLINE_EXCEEDED, 'deadline exceeded'));
  // grpc-js ends a call whose deadline passed and then reports it as 'cancelled': tell the two apart.
  // The server's deadline is the client's plus the request's transit time, so the client's own
  // deadline cancel arrives up to that much earlier; under load that is tens of milliseconds.
  const onCancelled = (): void =>
    deadline && Date.now() >= deadline.getTime() - DEADLINE_SKEW_MS
      ? abortOnDeadline()
      : controller.abort(new GrpcError(Status.CANCELLED, 'call cancelled by the client'));
  call.on('cancelled', onCancelled);
  if (call.cancelled) onCancelled();

  let timer: NodeJS.Timeout | undefined;
  if (deadline && !controller.signal.aborted) {
    const remaining = deadline.getTime() - Date.now();
    if (remaining <= 0) abortOnDeadline();
    else timer = setTimeout(abortOnDeadline, remaining);
  }

  const sent = call.metadata.get('traceparent')[0];
  const context: CallContext = {
    principal: principal?.onBehalfOf ?? principal?.keyId,
    tenant: principal?.tenant ?? '',
    roles: principal?.roles ?? [],
    metadata: call.metadata,
    deadline,
    signal: controller.signal,
    traceparent: traceparent ?? (typeof sent === 'string' ? sent : undefined),
    peer: call.getPeer(),
    method,
  };
  return {
    context,
    close: () => {
      clearTimeout(timer);
      call.off('cancelled', onCancelled);
    },
  };
}

function deadlineOf(call: ServerSurfaceCall): Date | undefined {
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}
