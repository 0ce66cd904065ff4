import type { Citation } from '@cairn/contracts/cairn/common/v1/common';
import type { ToolDefinition } from '@cairn/models';

/** What a tool call knows about the run it serves. */
export interface ToolCallContext {
  readonly tenant: string;
  readonly runId: string;
  readonly agent: string;
  /** Whose long-term memory the run uses. */
  readonly userId: string;
  /** Who started the run; calls to other services act on their behalf. */
  readonly principal: string;
  /** `<run id>:<step index of the call>`: the same on a retry after a crash, so a tool can apply it once. */
  readonly idempotencyKey: string;
  /** The agent's collections (`*` = all of the tenant's). */
  readonly collections: readonly string[];
  readonly retrieval: RetrievalParameters;
  /** Aborted on cancel, on the run's deadline, or when the runner loses the run. */
  readonly signal: AbortSignal;
}

/** How the agent retrieves. */
export interface RetrievalParameters {
  readonly topK: number;
  readonly tokenBudget: number;
  readonly minScore: number;
  readonly diversify: boolean;
  /** Retrieval service mode number (`cairn.retrieval.v1.SearchMode`). */
  readonly mode: number;
}

/** One retrieved passage, as the run cites it. */
export interface RetrievedPassage {
  /** Citation, numbered by the retrieval service (the runner renumbers it for the run). */
  readonly citation: Citation;
  readonly text: string;
}

/** What the retrieve tool found, before guardrails and numbering. */
export interface RetrievalOutcome {
  readonly query: string;
  /** Correlation id of the search: its SearchPerformed event holds the chunks and scores. */
  readonly requestId: string;
  readonly collections: readonly string[];
  readonly passages: readonly RetrievedPassage[];
}

/** What a tool returned. */
export interface ToolOutcome {
  /** Given to the model (after guardrails). */
  readonly content: string;
  readonly isError: boolean;
  /** Set by tools that retrieve: the runner records a retrieval step and numbers the citations. */
  readonly retrieval?: RetrievalOutcome;
}

/**
 * A tool an agent may call. `name` is what allowlists and the audit trail use (`retrieve`,
 * `remember`, `http`, `mcp:<server>/<tool>`); `definition.name` is what the model sees (letters,
 * digits, `_` and `-` only, as model APIs require).
 */
export interface AgentTool {
  readonly name: string;
  readonly definition: ToolDefinition;
  /** Runs the call; a failure the model can learn from is an outcome with `isError`, not a throw. */
  execute(args: Record<string, unknown>, context: ToolCallContext): Promise<ToolOutcome>;
}

/** A tool failure told to the model. */
export function toolError(message: string): ToolOutcome {
  return { content: message, isError: true };
}

/** A required string argument, or undefined when it is missing or empty. */
export function stringArg(args: Record<string, unknown>, name: string): string | undefined {
  const value = args[name];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
