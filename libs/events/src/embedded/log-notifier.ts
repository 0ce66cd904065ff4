import { EventEmitter } from 'node:events';

/**
 * Wakes partition workers when a record is appended (push delivery, no polling).
 * Waiters register synchronously right after finding no record, and appends are synchronous,
 * so no append can slip between the check and the wait within one process.
 */
export class LogNotifier {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  notify(topic: string, partition: number): void {
    this.emitter.emit(channel(topic, partition));
  }

  /** Resolves on the next append to the partition, or when `signal` aborts. */
  wait(topic: string, partition: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const name = channel(topic, partition);
      const done = (): void => {
        this.emitter.off(name, done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.emitter.on(name, done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

function channel(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
