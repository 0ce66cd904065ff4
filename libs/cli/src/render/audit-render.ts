import {
  VerifyFailure,
  type ExplainResponse,
  type VerifyResponse,
} from '@cairn/contracts/cairn/audit/v1/audit';
import { SearchMode } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import {
  enumName,
  renderCitations,
  renderGuardrail,
  renderModelCall,
  renderToolCall,
  renderToolResult,
  runStatusName,
} from './agent-render.js';
import { columns, count, time } from './text.js';

/** `verified: …` when the chain holds; otherwise the first broken record, why, and how far it held. */
export function renderVerify(response: VerifyResponse): string {
  if (response.ok) {
    if (response.checkedCount === 0n) return 'audit trail verified: no records yet\n';
    const checkpoint =
      response.checkpointSequence > 0n
        ? `, signed checkpoint at sequence ${response.checkpointSequence} matches`
        : ', no signed checkpoint in range yet';
    return `audit trail verified: ${count(response.checkedCount, 'record')} up to sequence ${response.lastSequence}${checkpoint}\n`;
  }
  return [
    `audit trail BROKEN at record ${response.firstBrokenRecordId} (sequence ${response.firstBrokenSequence}): ${enumName(VerifyFailure, response.reason).toUpperCase()}`,
    ...(response.detail ? [`  ${response.detail}`] : []),
    `  ${count(response.checkedCount, 'record')} checked`,
    '',
  ].join('\n');
}

/** The provenance of a search or run, section by section. */
export function renderExplain(e: ExplainResponse): string {
  const head: string[][] = e.runId
    ? [
        ['run', e.runId],
        ['agent', `${e.agent} v${e.agentVersion}`],
        ['status', runStatusName(e.status)],
      ]
    : [['search', e.requestId]];
  head.push(
    ...(e.runId && e.requestId ? [['request', e.requestId]] : []),
    ['principal', e.principal],
    ['question', e.question],
    ['started', time(e.startedAt)],
    ...(e.completedAt ? [['completed', time(e.completedAt)]] : []),
    ...(e.model ? [['model', e.model]] : []),
  );
  const lines = columns(head);
  for (const retrieval of e.retrievals) {
    lines.push(
      '',
      [
        `retrieval "${retrieval.query}"`,
        retrieval.mode !== SearchMode.UNSPECIFIED ? enumName(SearchMode, retrieval.mode) : '',
        retrieval.model,
        retrieval.time ? time(retrieval.time) : '',
      ]
        .filter(Boolean)
        .join('  '),
      ...columns(
        retrieval.chunks.map((chunk) => [
          `${chunk.rank}.`,
          chunk.score.toFixed(4),
          chunk.cited ? `cited [${chunk.citationIndex}]` : '',
          `${chunk.chunk?.documentId ?? ''} v${chunk.chunk?.documentVersion ?? 0}`,
          [chunk.title, chunk.sourceUri].filter(Boolean).join(' — '),
        ]),
        '  ',
      ),
    );
  }
  if (e.modelCalls.length > 0)
    lines.push('', 'model calls', ...e.modelCalls.map((call) => `  ${renderModelCall(call)}`));
  if (e.toolCalls.length > 0)
    lines.push(
      '',
      'tool calls',
      ...e.toolCalls.flatMap((call) => [
        `  ${renderToolCall(call.tool, call.argumentsJson)}`,
        `    ${renderToolResult(call.tool, call.result, call.isError)}`,
      ]),
    );
  if (e.guardrailVerdicts.length > 0)
    lines.push('', 'guardrails', ...e.guardrailVerdicts.map((verdict) => `  ${renderGuardrail(verdict)}`));
  if (e.answer) lines.push('', 'answer', ...e.answer.split('\n').map((line) => `  ${line}`));
  if (e.citations.length > 0) lines.push('', 'citations', ...renderCitations(e.citations));
  lines.push(
    '',
    `from ${count(e.recordIds.length, 'audit record')}${e.complete ? '' : ' — INCOMPLETE: records are missing or their payloads were erased'}`,
    '',
  );
  return lines.join('\n');
}
