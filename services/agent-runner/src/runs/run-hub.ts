import { Injectable } from '@nestjs/common';
import type { RunStatus, RunStep } from '@cairn/contracts/cairn/agent/v1/agent';

/** A step a run of this process completed, with the run's status after it. */
export interface RunUpdate {
  readonly runId: string;
  readonly step: RunStep;
  readonly status: RunStatus;
}

type Listener = (update: RunUpdate) => void;

/** In-process fan-out of step completions, for Run calls streaming a run executed here. */
@Injectable()
export class RunHub {
  private readonly listeners = new Map<string, Set<Listener>>();

  /** Calls `listener` for every step of the run from now on; returns the unsubscribe function. */
  subscribe(runId: string, listener: Listener): () => void {
    let set = this.listeners.get(runId);
    if (!set) {
      set = new Set();
      this.listeners.set(runId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(runId);
    };
  }

  emit(update: RunUpdate): void {
    for (const listener of this.listeners.get(update.runId) ?? []) listener(update);
  }
}
