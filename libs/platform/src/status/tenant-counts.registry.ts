/** One count of a tenant's data (`documents`, `chunks`, `documents.indexed`, `records`, `runs.succeeded`). */
export interface TenantCountValue {
  /** Lower-case and dotted, unique within the service. */
  readonly name: string;
  readonly value: number;
}

/** Counts one tenant's data held by a service; rejects when its store does not answer. */
export type TenantCounter = (tenant: string) => Promise<readonly TenantCountValue[]>;

/** A count with the service it came from, as `StatusService.GetStatus` reports it. */
export interface ServiceCount extends TenantCountValue {
  readonly service: string;
}

/** What {@link TenantCountsRegistry.collect} found: every count, and the services that could not count. */
export interface CollectedCounts {
  readonly counts: ServiceCount[];
  readonly failures: { readonly service: string; readonly error: string }[];
}

/**
 * The per-tenant counts a process reports in `StatusService.GetStatus` (`cairn status`). Each
 * service registers a counter for the data it owns when its store is ready, e.g. the ingestion
 * service its documents by status, the audit service its records; the agent-runner registers its
 * runs by status the same way:
 *
 * ```ts
 * counts.register('agent-runner', async (tenant) => [{ name: 'runs.succeeded', value: await store.countRuns(tenant, 'succeeded') }]);
 * ```
 */
export class TenantCountsRegistry {
  private readonly counters = new Map<string, TenantCounter>();

  /** Registers (or replaces) the counter of `service`. */
  register(service: string, counter: TenantCounter): void {
    this.counters.set(service, counter);
  }

  /** Runs every counter for `tenant`, each within `timeoutMs`; a failing one is reported, not thrown. */
  async collect(tenant: string, timeoutMs = 2_000): Promise<CollectedCounts> {
    const counts: ServiceCount[] = [];
    const failures: CollectedCounts['failures'] = [];
    await Promise.all(
      [...this.counters].map(async ([service, counter]) => {
        try {
          for (const count of await withTimeout(counter(tenant), timeoutMs, service))
            counts.push({ service, ...count });
        } catch (error) {
          failures.push({ service, error: error instanceof Error ? error.message : String(error) });
        }
      }),
    );
    const order = (a: { service: string }, b: { service: string }) => a.service.localeCompare(b.service);
    return { counts: counts.sort(order), failures: failures.sort(order) };
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, service: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${service} did not count within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
