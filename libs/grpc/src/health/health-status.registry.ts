import { HealthCheckResponse_ServingStatus as ServingStatus } from '@cairn/contracts/grpc/health/v1/health';

type Listener = (status: ServingStatus) => void;

/**
 * Serving status per service name ('' = the whole server), as grpc.health.v1 reports it, with
 * change notifications for Watch.
 */
export class HealthStatusRegistry {
  private readonly statuses = new Map<string, ServingStatus>([['', ServingStatus.NOT_SERVING]]);
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly closeListeners = new Set<() => void>();

  /** Sets a service's status (creating it) and tells its watchers when it changed. */
  set(service: string, status: ServingStatus): void {
    const previous = this.statuses.get(service);
    this.statuses.set(service, status);
    if (previous === status) return;
    for (const listener of this.listeners.get(service) ?? []) listener(status);
  }

  /** Current status, or undefined for a service never registered. */
  get(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** Sets every known service (and the server) to `status`. */
  setAll(status: ServingStatus): void {
    for (const service of [...this.statuses.keys()]) this.set(service, status);
  }

  /** Ends every watch (server shutdown). */
  closeWatches(): void {
    for (const listener of [...this.closeListeners]) listener();
  }

  /**
   * Statuses of one service as a stream: the current one (SERVICE_UNKNOWN if never set), then each
   * change, until `signal` fires or {@link closeWatches} is called.
   */
  async *watch(service: string, signal: AbortSignal): AsyncGenerator<ServingStatus> {
    const pending: ServingStatus[] = [this.statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN];
    let wake: (() => void) | undefined;
    let closed = false;
    const onChange: Listener = (status) => {
      pending.push(status);
      wake?.();
    };
    const onClose = (): void => {
      closed = true;
      wake?.();
    };
    let listeners = this.listeners.get(service);
    if (!listeners) this.listeners.set(service, (listeners = new Set()));
    listeners.add(onChange);
    this.closeListeners.add(onClose);
    signal.addEventListener('abort', onClose);
    try {
      for (;;) {
        const status = pending.shift();
        if (status !== undefined) {
          yield status;
          continue;
        }
        if (closed || signal.aborted) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      listeners.delete(onChange);
      this.closeListeners.delete(onClose);
      signal.removeEventListener('abort', onClose);
    }
  }
}
