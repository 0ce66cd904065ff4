import { GuardrailStage, type Agent } from '@cairn/contracts/cairn/agent/v1/agent';
import type { Citation } from '@cairn/contracts/cairn/common/v1/common';
import { ModelError, parseToolArguments, estimateTokens } from '@cairn/models';
import { SpanKind, withSpan } from '@cairn/observability';
import type { RunGuardrails } from '../guardrails/run-guardrails.js';
import { toVerdict } from '../guardrails/run-guardrails.js';
import type { RetrievalOutcome, ToolCallContext, ToolOutcome } from '../tools/agent-tool.js';
import type { AgentToolbox } from '../tools/tool-registry.js';
import type { PendingToolCall, RunState } from './run-state.js';
import type { StepRecorder } from './step-recorder.js';

/** What a tool call step needs from its run. */
export interface ToolStepContext {
  readonly agent: Agent;
  readonly state: RunState;
  readonly recorder: StepRecorder;
  readonly toolbox: AgentToolbox;
  readonly guardrails: RunGuardrails;
  readonly call: Omit<ToolCallContext, 'idempotencyKey'>;
}

const WITHHELD =
  '[The tool result was withheld: it looks like a prompt injection and was kept out of the conversation.]';

/**
 * Executes one pending tool call and records what happened: a refusal by the allowlist (verdict +
 * error result), or the call, the retrieval it made (citations numbered for the run, passages that
 * look like injections quarantined), guardrail verdicts on the result, and the result given to the
 * model. The call's idempotency key is `<run id>:<tool_call step index>`.
 */
export async function executeToolStep(pending: PendingToolCall, ctx: ToolStepContext): Promise<void> {
  const started = Date.now();
  const { call } = pending;
  const tool = ctx.toolbox.resolve(call.name);
  const canonical = tool?.name ?? call.name;
  const allowed = ctx.toolbox.check(canonical);
  if (!tool || allowed.action !== 'allow') {
    const reason = tool ? allowed.reason : `there is no tool named ${call.name}`;
    await ctx.recorder.record(
      {
        case: 'guardrailVerdict',
        value: toVerdict({ ...allowed, action: 'block', reason }, GuardrailStage.TOOL_CALL),
      },
      started,
    );
    await result(ctx, call.id, canonical, `The call was refused: ${reason}.`, true, started);
    return;
  }
  let args: Record<string, unknown>;
  try {
    args = parseToolArguments(call);
  } catch (error) {
    if (!(error instanceof ModelError)) throw error;
    await result(ctx, call.id, canonical, error.message, true, started);
    return;
  }
  const context: ToolCallContext = { ...ctx.call, idempotencyKey: `${ctx.call.runId}:${pending.stepIndex}` };
  const outcome = await withSpan(
    `execute_tool ${tool.name}`,
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': tool.name,
        'gen_ai.tool.call.id': call.id,
        'gen_ai.agent.name': ctx.agent.name,
      },
    },
    () => runTool(() => tool.execute(args, context), context.signal),
  );
  const content = outcome.retrieval
    ? await retrievalContent(outcome.retrieval, ctx, started)
    : await checkedContent(outcome.content, ctx, started);
  await result(ctx, call.id, canonical, content, outcome.isError, started);
}

/** A tool that throws (other than on abort) gives the model an error result instead of failing the run. */
async function runTool(work: () => Promise<ToolOutcome>, signal: AbortSignal): Promise<ToolOutcome> {
  try {
    return await work();
  } catch (error) {
    if (signal.aborted) throw error;
    return { content: `The tool failed: ${(error as Error).message}`, isError: true };
  }
}

/** Guards and numbers retrieved passages, records the retrieval step, and writes them for the model. */
async function retrievalContent(
  retrieval: RetrievalOutcome,
  ctx: ToolStepContext,
  started: number,
): Promise<string> {
  let next = ctx.state.nextCitation();
  const kept: { citation: Citation; text: string }[] = [];
  for (const passage of retrieval.passages) {
    const checked = ctx.guardrails.content(passage.text, 'retrieved', GuardrailStage.RETRIEVAL);
    for (const verdict of checked.verdicts)
      await ctx.recorder.record({ case: 'guardrailVerdict', value: verdict }, started);
    if (checked.stopped) continue;
    kept.push({ citation: { ...passage.citation, index: next++ }, text: checked.text });
  }
  const blocks = kept.map(({ citation, text }) => {
    const path =
      citation.headingPath[0] === citation.title ? citation.headingPath.slice(1) : citation.headingPath;
    const heading = [citation.title, ...path].filter((part) => part !== '').join(' › ');
    return `[${citation.index}] ${heading || citation.sourceUri || citation.documentId}\n${text}`;
  });
  const content = blocks.length > 0 ? blocks.join('\n\n') : 'No passages matched the query.';
  await ctx.recorder.record(
    {
      case: 'retrieval',
      value: {
        query: retrieval.query,
        requestId: retrieval.requestId,
        collections: [...retrieval.collections],
        citations: kept.map((k) => k.citation),
        tokenCount: estimateTokens(content),
      },
    },
    started,
  );
  return content;
}

async function checkedContent(content: string, ctx: ToolStepContext, started: number): Promise<string> {
  const checked = ctx.guardrails.content(content, 'tool', GuardrailStage.TOOL_RESULT);
  for (const verdict of checked.verdicts)
    await ctx.recorder.record({ case: 'guardrailVerdict', value: verdict }, started);
  return checked.stopped ? WITHHELD : checked.text;
}

async function result(
  ctx: ToolStepContext,
  callId: string,
  tool: string,
  content: string,
  isError: boolean,
  started: number,
): Promise<void> {
  await ctx.recorder.record({ case: 'toolResult', value: { callId, tool, content, isError } }, started);
}
