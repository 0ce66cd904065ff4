import { resolve } from 'node:path';
import { GroupCoordinator } from './group-coordinator.js';
import { LogNotifier } from './log-notifier.js';

/** Process-wide state shared by every embedded bus open on the same log file. */
export interface LocalBroker {
  readonly notifier: LogNotifier;
  readonly coordinator: GroupCoordinator;
  /** Drops the reference taken by `acquireLocalBroker`. */
  release(): void;
}

const brokers = new Map<string, { notifier: LogNotifier; coordinator: GroupCoordinator; refs: number }>();

/**
 * The notifier and group coordinator of a log file, shared by the bus instances of this process
 * that open the same file (so their subscriptions of one group split partitions). `:memory:` logs
 * are private to their bus.
 */
export function acquireLocalBroker(path: string): LocalBroker {
  if (path === ':memory:') {
    return { notifier: new LogNotifier(), coordinator: new GroupCoordinator(), release: () => undefined };
  }
  const id = resolve(path);
  let entry = brokers.get(id);
  if (!entry) {
    entry = { notifier: new LogNotifier(), coordinator: new GroupCoordinator(), refs: 0 };
    brokers.set(id, entry);
  }
  entry.refs++;
  const shared = entry;
  let released = false;
  return {
    notifier: shared.notifier,
    coordinator: shared.coordinator,
    release: () => {
      if (released) return;
      released = true;
      shared.refs--;
      if (shared.refs === 0) brokers.delete(id);
    },
  };
}
