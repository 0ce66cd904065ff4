import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import {
  GuardrailDecision,
  GuardrailStage,
  RunStatus,
  type RunStepSchema,
} from '@cairn/contracts/cairn/agent/v1/agent';
import {
  AgentRunCompletedSchema,
  AgentRunRequestedSchema,
  AgentStepCompletedSchema,
} from '@cairn/contracts/cairn/agent/v1/events';
import { SearchMode } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { SearchPerformedSchema } from '@cairn/contracts/cairn/retrieval/v1/events';
import { topicFor, type EventBus } from '@cairn/events';

/** What the fixture run did, to compare an explanation with. */
export interface RecordedRun {
  readonly runId: string;
  readonly requestId: string;
  readonly searchRequestId: string;
  readonly question: string;
  readonly answer: string;
  /** The chunks the search returned: [document id, version, chunk id, chunk hash, score]. */
  readonly chunks: readonly (readonly [string, number, string, string, number])[];
}

/**
 * Publishes what an agent run reports (the agent-runner's events, and the SearchPerformed of its
 * retrieval): requested, a retrieval, a guardrail verdict, a model call with a tool call and its
 * result, the final answer citing the second chunk, completed.
 */
export async function publishAgentRun(bus: EventBus, tenant: string, tag: string): Promise<RecordedRun> {
  const run: RecordedRun = {
    runId: `run-${tag}`,
    requestId: `req-run-${tag}`,
    searchRequestId: `req-search-${tag}`,
    question: 'Which class do I book for a four-hour flight?',
    answer: 'Economy class [1].',
    chunks: [
      [`doc-hotels-${tag}`, 1, `chunk-h-${tag}`, 'a'.repeat(64), 0.71],
      [`doc-travel-${tag}`, 2, `chunk-t-${tag}`, 'b'.repeat(64), 0.93],
    ],
  };
  const meta = { occurredAt: timestampNow(), requestId: run.requestId, principal: 'key:agent-user' };
  const options = { tenant };
  const citation = {
    index: 1,
    documentId: `doc-travel-${tag}`,
    documentVersion: 2,
    chunkId: `chunk-t-${tag}`,
    title: 'Travel policy',
  };
  await bus.publish(
    topicFor(AgentRunRequestedSchema),
    create(AgentRunRequestedSchema, {
      tenant,
      runId: run.runId,
      meta,
      agent: 'helpdesk',
      input: run.question,
    }),
    options,
  );
  const steps: MessageInitShape<typeof RunStepSchema>['kind'][] = [
    {
      case: 'retrieval',
      value: { query: 'flight class', requestId: run.searchRequestId, collections: ['handbook'] },
    },
    {
      case: 'guardrailVerdict',
      value: {
        guardrail: 'prompt-injection',
        stage: GuardrailStage.RETRIEVAL,
        decision: GuardrailDecision.ALLOW,
        reason: 'no instructions in the context',
      },
    },
    {
      case: 'modelCall',
      value: { model: 'test-model', promptTokens: 120, completionTokens: 8, finishReason: 'tool_calls' },
    },
    { case: 'toolCall', value: { callId: 'call-1', tool: 'calendar', argumentsJson: '{"days":7}' } },
    { case: 'toolResult', value: { callId: 'call-1', tool: 'calendar', content: 'no trips planned' } },
    { case: 'finalAnswer', value: { text: run.answer, citations: [citation] } },
  ];
  await bus.publish(
    topicFor(SearchPerformedSchema),
    create(SearchPerformedSchema, {
      tenant,
      requestId: run.searchRequestId,
      meta: { ...meta, requestId: run.searchRequestId },
      query: 'flight class',
      mode: SearchMode.HYBRID,
      collections: ['handbook'],
      topK: 2,
      results: [...run.chunks]
        .sort((a, b) => b[4] - a[4])
        .map(([documentId, documentVersion, chunkId, chunkHash, score], i) => ({
          chunk: { documentId, documentVersion, chunkId, chunkHash },
          score,
          rank: i + 1,
        })),
      model: 'all-MiniLM-L6-v2',
      runId: run.runId,
      method: 'BuildContext',
    }),
    options,
  );
  for (const [index, kind] of steps.entries())
    await bus.publish(
      topicFor(AgentStepCompletedSchema),
      create(AgentStepCompletedSchema, {
        tenant,
        runId: run.runId,
        meta,
        agent: 'helpdesk',
        step: { index, time: timestampNow(), kind },
        idempotencyKey: `${run.runId}:${index}`,
      }),
      options,
    );
  await bus.publish(
    topicFor(AgentRunCompletedSchema),
    create(AgentRunCompletedSchema, {
      tenant,
      runId: run.runId,
      meta,
      status: RunStatus.SUCCEEDED,
      run: {
        runId: run.runId,
        tenant,
        agent: 'helpdesk',
        agentVersion: 3,
        input: run.question,
        status: RunStatus.SUCCEEDED,
        answer: run.answer,
        citations: [citation],
        model: 'test-model',
        usage: { steps: steps.length, promptTokens: 120, completionTokens: 8, toolCalls: 1 },
        principal: 'key:agent-user',
        requestId: run.requestId,
      },
    }),
    options,
  );
  return run;
}
