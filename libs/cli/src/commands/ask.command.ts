import {
  AgentService,
  RunResponseSchema,
  RunStatus,
  type RunResponse,
  type RunStep,
} from '@cairn/contracts/cairn/agent/v1/agent';
import { stringValue } from '../args/values.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import {
  renderCitations,
  renderGuardrail,
  renderModelCall,
  renderToolCall,
  renderToolResult,
  runStatusName,
} from '../render/agent-render.js';
import { writeJson } from '../render/json.js';
import { count } from '../render/text.js';
import type { CliIo, OutputStream } from '../io.js';
import type { Command } from './command.js';

/** The agent `cairn ask` runs unless `--agent` names another: the runner's built-in one. */
export const DEFAULT_AGENT = 'default';

const TERMINAL: ReadonlySet<RunStatus> = new Set([
  RunStatus.SUCCEEDED,
  RunStatus.FAILED,
  RunStatus.CANCELLED,
  RunStatus.BUDGET_EXCEEDED,
]);

/** `cairn ask "<question>"`: AgentService.Run, its steps streamed as they complete. */
export const askCommand: Command = {
  name: 'ask',
  summary: 'ask an agent; streams its steps, then the answer with citations',
  usage: '<question> [options]',
  description:
    'Runs an agent on the question. Each step is printed on stderr as it completes (retrievals with their\n' +
    'citations, model calls, tool calls, guardrail verdicts); the answer and its numbered citations go to\n' +
    'stdout. Exits 1 when the run fails, is cancelled or exceeds its budget. With --json, prints each\n' +
    'RunResponse as one line of protobuf JSON. Ctrl-C cancels the run.',
  options: {
    agent: { type: 'string', value: 'name', description: `agent to run (default ${DEFAULT_AGENT})` },
    session: {
      type: 'string',
      value: 'id',
      description: 'conversation session (runs of a session share memory)',
    },
  },
  positionals: { min: 1, max: 1 },
  examples: ['cairn ask "which class do I fly?"', 'cairn ask "and for hotels?" --session trip-42'],
  async run(context) {
    const input = context.positionals[0] ?? '';
    if (input.trim() === '') throw new UsageError('the question must not be empty', 'ask');
    const { stdout, stderr } = context.io;
    const stream = context.client(AgentService).run(
      {
        tenant: context.global.tenant,
        agent: stringValue(context.values, 'agent') ?? DEFAULT_AGENT,
        input,
        sessionId: stringValue(context.values, 'session') ?? '',
      },
      context.stream(),
    );
    let last: RunResponse | undefined;
    for await (const response of stream) {
      if (context.global.json) writeJson(stdout, RunResponseSchema, response, { line: true });
      else {
        if (!last) stderr.write(`run ${response.runId}\n`);
        if (response.step) writeStep(response.step, context.io);
      }
      last = response;
    }
    return finish(last, context.io.stderr);
  },
};

/** Progress steps on stderr, the answer on stdout. */
function writeStep(step: RunStep, io: Pick<CliIo, 'stdout' | 'stderr'>): void {
  const kind = step.kind;
  switch (kind.case) {
    case 'retrieval': {
      const r = kind.value;
      io.stderr.write(
        [
          `· retrieval "${r.query}"${r.collections.length > 0 ? ` in ${r.collections.join(', ')}` : ''}: ${count(r.citations.length, 'chunk')}, ${count(r.tokenCount, 'token')}`,
          ...renderCitations(r.citations, '    '),
          '',
        ].join('\n'),
      );
      return;
    }
    case 'modelCall':
      io.stderr.write(`· ${renderModelCall(kind.value)}\n`);
      return;
    case 'toolCall':
      io.stderr.write(`· ${renderToolCall(kind.value.tool, kind.value.argumentsJson)}\n`);
      return;
    case 'toolResult':
      io.stderr.write(`· ${renderToolResult(kind.value.tool, kind.value.content, kind.value.isError)}\n`);
      return;
    case 'guardrailVerdict':
      io.stderr.write(`· ${renderGuardrail(kind.value)}\n`);
      return;
    case 'finalAnswer':
      io.stdout.write(
        [
          '',
          kind.value.text,
          ...(kind.value.citations.length > 0
            ? ['', 'Citations:', ...renderCitations(kind.value.citations)]
            : []),
          '',
        ].join('\n'),
      );
      return;
    case 'error':
      io.stderr.write(`· error ${kind.value.reason}: ${kind.value.message}\n`);
      return;
    case 'memoryRecall': {
      const m = kind.value;
      const parts = [
        count(m.sessionMessages, 'earlier message'),
        ...(m.summarized ? ['a summary of older turns'] : []),
        count(m.memoryIds.length, 'long-term memory', 'long-term memories'),
      ];
      io.stderr.write(`· memory: ${parts.join(', ')}\n`);
      return;
    }
    case undefined:
      return;
  }
}

/** 0 for a succeeded run; 1, saying why, for any other end. */
function finish(last: RunResponse | undefined, stderr: OutputStream): ExitCode {
  if (last?.status === RunStatus.SUCCEEDED) return ExitCode.OK;
  if (!last || !TERMINAL.has(last.status)) {
    stderr.write(
      `cairn: the run stream ended before the run finished${last ? ` (run ${last.runId}, ${runStatusName(last.status)})` : ''}\n`,
    );
    return ExitCode.FAILED;
  }
  const error = last.step?.kind.case === 'error' ? last.step.kind.value : undefined;
  stderr.write(
    `cairn: run ${last.runId} ${runStatusName(last.status).replaceAll('_', ' ')}${error ? `: ${error.reason}: ${error.message}` : ''}\n`,
  );
  return ExitCode.FAILED;
}
