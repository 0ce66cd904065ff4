import type { Verdict } from '../verdict.js';

/** Limits of one run; an absent limit is unlimited. */
export interface BudgetLimits {
  readonly maxSteps?: number;
  readonly maxTokens?: number;
  readonly maxWallTimeMs?: number;
}

export type BudgetDimension = 'steps' | 'tokens' | 'wall_time';

/** What a run has used, as checkpointed to resume it elsewhere. */
export interface BudgetUsage {
  readonly steps: number;
  readonly tokens: number;
  /** When the run started (ms since the epoch): wall time keeps counting across a resume. */
  readonly startedAt: number;
}

/** Where a run stands against its budget. */
export interface BudgetStatus {
  readonly state: 'within' | 'exhausted';
  /** The limits reached, in the order steps, tokens, wall time. */
  readonly exhausted: readonly BudgetDimension[];
  readonly used: { readonly steps: number; readonly tokens: number; readonly wallTimeMs: number };
  /** Left under each set limit (never negative). */
  readonly remaining: { readonly steps?: number; readonly tokens?: number; readonly wallTimeMs?: number };
}

function checkLimit(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0))
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

/**
 * The step, token and wall-time budget of a run. The runner records each step and the tokens each
 * model call used, and asks {@link allowsStep} before the next one; {@link verdict} says why a run ends.
 */
export class RunBudget {
  private steps: number;
  private tokens: number;
  readonly startedAt: number;

  constructor(
    readonly limits: BudgetLimits,
    private readonly now: () => number = Date.now,
    resumeFrom?: BudgetUsage,
  ) {
    checkLimit('maxSteps', limits.maxSteps);
    checkLimit('maxTokens', limits.maxTokens);
    checkLimit('maxWallTimeMs', limits.maxWallTimeMs);
    this.steps = resumeFrom?.steps ?? 0;
    this.tokens = resumeFrom?.tokens ?? 0;
    this.startedAt = resumeFrom?.startedAt ?? now();
  }

  recordStep(): void {
    this.steps++;
  }

  recordTokens(count: number): void {
    if (!(Number.isInteger(count) && count >= 0))
      throw new RangeError(`token count must be a non-negative integer, got ${count}`);
    this.tokens += count;
  }

  /** Whether another step may start. */
  allowsStep(): boolean {
    return this.status().state === 'within';
  }

  /** When the wall-time budget ends (ms since the epoch), for deadlines of model and tool calls. */
  deadline(): number | undefined {
    return this.limits.maxWallTimeMs === undefined ? undefined : this.startedAt + this.limits.maxWallTimeMs;
  }

  usage(): BudgetUsage {
    return { steps: this.steps, tokens: this.tokens, startedAt: this.startedAt };
  }

  status(): BudgetStatus {
    const wallTimeMs = Math.max(0, this.now() - this.startedAt);
    const { maxSteps, maxTokens, maxWallTimeMs } = this.limits;
    const exhausted: BudgetDimension[] = [];
    if (maxSteps !== undefined && this.steps >= maxSteps) exhausted.push('steps');
    if (maxTokens !== undefined && this.tokens >= maxTokens) exhausted.push('tokens');
    if (maxWallTimeMs !== undefined && wallTimeMs >= maxWallTimeMs) exhausted.push('wall_time');
    return {
      state: exhausted.length === 0 ? 'within' : 'exhausted',
      exhausted,
      used: { steps: this.steps, tokens: this.tokens, wallTimeMs },
      remaining: {
        ...(maxSteps !== undefined ? { steps: Math.max(0, maxSteps - this.steps) } : {}),
        ...(maxTokens !== undefined ? { tokens: Math.max(0, maxTokens - this.tokens) } : {}),
        ...(maxWallTimeMs !== undefined ? { wallTimeMs: Math.max(0, maxWallTimeMs - wallTimeMs) } : {}),
      },
    };
  }

  /** `block` with the limits reached once the budget is used up, else `allow`. */
  verdict(name = 'budget'): Verdict {
    const status = this.status();
    const { used } = status;
    const describe: Record<BudgetDimension, string> = {
      steps: `step budget of ${this.limits.maxSteps} used up (${used.steps} steps)`,
      tokens: `token budget of ${this.limits.maxTokens} used up (${used.tokens} tokens)`,
      wall_time: `wall-time budget of ${this.limits.maxWallTimeMs} ms used up (${used.wallTimeMs} ms)`,
    };
    if (status.state === 'within')
      return {
        policy: name,
        action: 'allow',
        findings: [],
        reason: `within budget: ${used.steps} steps, ${used.tokens} tokens, ${used.wallTimeMs} ms`,
      };
    return {
      policy: name,
      action: 'block',
      findings: status.exhausted.map((d) => ({ type: `budget_${d}`, start: 0, end: 0, detail: describe[d] })),
      reason: status.exhausted.map((d) => describe[d]).join('; '),
    };
  }
}
