import type { DescMethod } from '@bufbuild/protobuf';
import type { Role } from '@cairn/contracts/cairn/common/v1/options';
import { GrpcError, Status } from '../errors/grpc-error.js';
import { DEFAULT_REQUIRED_ROLE, requiredRoleOf, roleName } from '../auth/roles.js';
import { TokenBuckets } from './token-bucket.js';

/** Per-tenant rate limit of a gRPC server. */
export interface RateLimitOptions {
  /** Sustained calls per second each tenant may make; 0 = no limit. */
  readonly requestsPerSecond: number;
  /** Calls a tenant may make at once after a quiet spell; default: `requestsPerSecond` rounded up (at least 1). */
  readonly burst?: number | undefined;
  /**
   * `tenant`: one bucket per tenant for every method. `tenant-role`: one per tenant and method class
   * (the role the method requires), so a flood of reads does not starve writes or admin calls.
   */
  readonly scope?: 'tenant' | 'tenant-role' | undefined;
  /** Monotonic milliseconds, injectable for tests. */
  readonly now?: () => number;
}

/**
 * Admits or refuses each authenticated call by its tenant's token bucket. A refusal is
 * RESOURCE_EXHAUSTED with reason `RATE_LIMITED` and `retry_after_ms` in the error detail's metadata
 * (the wait until the bucket has a token again). Streams count once, when they open.
 */
export class TenantRateLimiter {
  private readonly buckets: TokenBuckets;
  private readonly burst: number;
  private readonly scope: 'tenant' | 'tenant-role';

  constructor(
    private readonly options: RateLimitOptions,
    private readonly defaultRequiredRole: Role = DEFAULT_REQUIRED_ROLE,
    /** Called for every refused call (e.g. to count it). */
    private readonly onRefused: (method: DescMethod, tenant: string) => void = () => undefined,
  ) {
    this.burst = options.burst ?? Math.max(1, Math.ceil(options.requestsPerSecond));
    this.scope = options.scope ?? 'tenant';
    this.buckets = new TokenBuckets({
      ratePerSecond: options.requestsPerSecond,
      burst: this.burst,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  /** Takes a token for `tenant`'s call of `method`; throws the RATE_LIMITED status when there is none. */
  admit(tenant: string, method: DescMethod): void {
    const decision = this.buckets.take(this.keyOf(tenant, method));
    if (decision.allowed) return;
    this.onRefused(method, tenant);
    const { requestsPerSecond } = this.options;
    throw new GrpcError(
      Status.RESOURCE_EXHAUSTED,
      `tenant ${tenant} is over its rate limit of ${requestsPerSecond} calls per second (burst ${this.burst}); retry in ${decision.retryAfterMs} ms`,
      {
        reason: 'RATE_LIMITED',
        metadata: {
          retry_after_ms: String(decision.retryAfterMs),
          requests_per_second: String(requestsPerSecond),
          burst: String(this.burst),
          scope: this.scope,
        },
      },
    );
  }

  private keyOf(tenant: string, method: DescMethod): string {
    if (this.scope === 'tenant') return tenant;
    return `${tenant}\u0000${roleName(requiredRoleOf(method, this.defaultRequiredRole))}`;
  }
}
