import {
  GuardrailDecision,
  GuardrailStage,
  RunStatus,
  type GuardrailVerdict,
  type ModelCall,
} from '@cairn/contracts/cairn/agent/v1/agent';
import type { Citation } from '@cairn/contracts/cairn/common/v1/common';
import { oneLine, titlePath } from './text.js';

/** How much of a tool's arguments or result a step line shows. */
const PREVIEW_CHARS = 120;

/** `[1] Title › Heading — source`, one line per citation. */
export function renderCitations(citations: readonly Citation[], indent = '  '): string[] {
  return citations.map(
    (c) =>
      `${indent}[${c.index}] ${titlePath(c.title, c.headingPath)}${c.sourceUri ? ` — ${c.sourceUri}` : ''}`,
  );
}

/** `model openai/gpt-4o-mini  120 + 35 tokens  finish stop`. */
export function renderModelCall(call: ModelCall): string {
  return `model ${call.model}  ${call.promptTokens} + ${call.completionTokens} tokens${call.finishReason ? `  finish ${call.finishReason}` : ''}`;
}

/** `guardrail prompt-injection on input: block — <reason>`. */
export function renderGuardrail(verdict: GuardrailVerdict): string {
  const stage = enumName(GuardrailStage, verdict.stage).replaceAll('_', ' ');
  const decision = enumName(GuardrailDecision, verdict.decision);
  return `guardrail ${verdict.guardrail} on ${stage}: ${decision}${verdict.reason ? ` — ${oneLine(verdict.reason, PREVIEW_CHARS)}` : ''}`;
}

/** `tool search(<args>)`. */
export function renderToolCall(tool: string, argumentsJson: string): string {
  return `tool ${tool}(${oneLine(argumentsJson, PREVIEW_CHARS)})`;
}

/** `tool search returned: <content>` (or `failed:`). */
export function renderToolResult(tool: string, content: string, isError: boolean): string {
  return `tool ${tool} ${isError ? 'failed' : 'returned'}: ${oneLine(content, PREVIEW_CHARS)}`;
}

/** `succeeded` for RUN_STATUS_SUCCEEDED. */
export function runStatusName(status: RunStatus): string {
  return enumName(RunStatus, status);
}

/** Lower-case name of an enum value (`budget_exceeded`), or its number when unknown. */
export function enumName(enumObject: Record<number, string>, value: number): string {
  return (enumObject[value] ?? String(value)).toLowerCase();
}
