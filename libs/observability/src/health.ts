/** A dependency readiness probe: resolves when the dependency answers, rejects with the reason otherwise. */
export type ReadinessCheck = () => Promise<void>;

/** Outcome of one readiness check. */
export interface CheckResult {
  readonly ok: boolean;
  readonly error?: string;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Record<string, CheckResult>;
}

/** Named readiness checks (event backbone, stores, vector tier) evaluated for `/readyz`. */
export class HealthRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();
  private live = true;

  /** Registers (or replaces) a check; `/readyz` answers 200 only when all pass. */
  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** Marks the process as shutting down: `/readyz` fails from then on so traffic drains. */
  markShuttingDown(): void {
    this.live = false;
  }

  get alive(): boolean {
    return this.live;
  }

  /** Runs every check with a timeout and reports each outcome. */
  async readiness(timeoutMs = 2000): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        try {
          await withTimeout(check(), timeoutMs, name);
          const result: CheckResult = { ok: true };
          return [name, result] as const;
        } catch (error) {
          const result: CheckResult = { ok: false, error: (error as Error).message };
          return [name, result] as const;
        }
      }),
    );
    const checks: Record<string, CheckResult> = Object.fromEntries(entries);
    return { ready: this.live && entries.every(([, result]) => result.ok), checks };
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
