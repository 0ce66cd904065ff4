import type { Verdict } from '../verdict.js';

/**
 * Which tools an agent may call. `tenant` and `agent` scope the rule (absent or `*`: any); tool
 * patterns are exact names or prefixes ending in `*` (`mcp:github/*`).
 */
export interface ToolRule {
  readonly tenant?: string;
  readonly agent?: string;
  readonly allow?: readonly string[];
  readonly deny?: readonly string[];
}

/** Who asks to call what. */
export interface ToolCallContext {
  readonly tenant: string;
  readonly agent: string;
  readonly tool: string;
}

const PATTERN = /^[\w.:/@-]+\*?$|^\*$/;

function matches(pattern: string, tool: string): boolean {
  return pattern.endsWith('*') ? tool.startsWith(pattern.slice(0, -1)) : pattern === tool;
}

function inScope(scope: string | undefined, value: string): boolean {
  return scope === undefined || scope === '*' || scope === value;
}

/**
 * Tool allowlist per tenant and agent, deny by default: a call is allowed when a rule in scope allows
 * the tool and no rule in scope denies it (a deny wins).
 */
export class ToolAllowlistPolicy {
  private readonly rules: readonly ToolRule[];

  constructor(
    rules: readonly ToolRule[],
    readonly name = 'tool-allowlist',
  ) {
    for (const [i, rule] of rules.entries()) {
      for (const pattern of [...(rule.allow ?? []), ...(rule.deny ?? [])])
        if (!PATTERN.test(pattern))
          throw new RangeError(`tool rule ${i}: "${pattern}" is not a tool name or a prefix ending in *`);
    }
    this.rules = rules;
  }

  check(ctx: ToolCallContext): Verdict {
    const scoped = this.rules.filter((r) => inScope(r.tenant, ctx.tenant) && inScope(r.agent, ctx.agent));
    const base = { policy: this.name, findings: [] } as const;
    const denied = scoped.find((r) => (r.deny ?? []).some((p) => matches(p, ctx.tool)));
    if (denied)
      return {
        ...base,
        action: 'block',
        reason: `tool ${ctx.tool} is denied for agent ${ctx.agent} of tenant ${ctx.tenant} (rule ${this.rules.indexOf(denied)})`,
      };
    const allowed = scoped.find((r) => (r.allow ?? []).some((p) => matches(p, ctx.tool)));
    if (allowed)
      return {
        ...base,
        action: 'allow',
        reason: `tool ${ctx.tool} is allowed for agent ${ctx.agent} of tenant ${ctx.tenant} (rule ${this.rules.indexOf(allowed)})`,
      };
    return {
      ...base,
      action: 'block',
      reason: `tool ${ctx.tool} is not on the allowlist of agent ${ctx.agent} of tenant ${ctx.tenant}`,
    };
  }

  /** The tools of `offered` the agent may call: what to offer the model. */
  allowedTools(tenant: string, agent: string, offered: readonly string[]): string[] {
    return offered.filter((tool) => this.check({ tenant, agent, tool }).action === 'allow');
  }
}
