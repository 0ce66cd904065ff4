import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { AgentSchema, RunStepSchema } from '@cairn/contracts/cairn/agent/v1/agent';
import type { PreparedRun } from './prepared-run.js';
import { RunState } from './run-state.js';

const agent = create(AgentSchema, { name: 'helper', systemPrompt: 'Answer with citations.' });
const prepared: PreparedRun = {
  version: 1,
  input: 'Which class do I fly?',
  history: [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello.' },
  ],
  summary: '- Asked: about hotels. Answered: approved ones.',
  memories: [{ id: 'mem_1', text: 'The user prefers aisle seats.' }],
};

let index = 0;
const step = (kind: MessageInitShape<typeof RunStepSchema>['kind']) =>
  create(RunStepSchema, { index: index++, kind });

void describe('RunState', () => {
  void it('rebuilds the conversation, pending calls, citations and usage from the recorded steps', () => {
    index = 0;
    const steps = [
      step({ case: 'guardrailVerdict', value: { guardrail: 'pii' } }),
      step({ case: 'modelCall', value: { content: '', promptTokens: 100, completionTokens: 10 } }),
      step({
        case: 'toolCall',
        value: { callId: 'a', tool: 'retrieve', argumentsJson: '{"query":"class"}' },
      }),
      step({ case: 'toolCall', value: { callId: 'b', tool: 'mcp:orders/lookup', argumentsJson: '{}' } }),
      step({
        case: 'retrieval',
        value: {
          citations: [
            { index: 1, chunkId: 'c1' },
            { index: 2, chunkId: 'c2' },
          ],
        },
      }),
      step({ case: 'toolResult', value: { callId: 'a', tool: 'retrieve', content: '[1] Travel\nEconomy.' } }),
    ];
    const state = new RunState(agent, prepared, steps, (tool) =>
      tool.startsWith('mcp:') ? 'orders__lookup' : tool,
    );
    assert.equal(state.stepCount, 6);
    assert.equal(state.finished, false);
    assert.deepEqual(state.used, { steps: 3, promptTokens: 100, completionTokens: 10, toolCalls: 2 });
    assert.deepEqual(
      state.pendingCalls().map((p) => [p.call.id, p.call.name, p.stepIndex]),
      [['b', 'orders__lookup', 3]],
      'the MCP call is still to run, under the name the model knows',
    );
    assert.equal(state.nextCitation(), 3);
    assert.equal(state.citation(2)?.chunkId, 'c2');
    const [system, ...rest] = state.messages;
    assert.equal(system?.role, 'system');
    assert.match(system?.content ?? '', /Answer with citations\.[\s\S]*approved ones[\s\S]*aisle seats/);
    assert.deepEqual(
      rest.map((m) => m.role),
      ['user', 'assistant', 'user', 'assistant', 'tool'],
    );
    const turn = rest[3];
    assert.ok(turn?.role === 'assistant');
    assert.deepEqual(
      turn.toolCalls?.map((c) => c.name),
      ['retrieve', 'orders__lookup'],
      'one assistant turn holds both calls',
    );
    assert.equal(rest[2]?.content, 'Which class do I fly?');
  });

  void it('is finished after a final answer or an error, and counts steps added later', () => {
    index = 0;
    const state = new RunState(agent, { ...prepared, history: [], summary: '', memories: [] });
    assert.equal(state.messages[0]?.content, 'Answer with citations.');
    state.apply(
      step({ case: 'modelCall', value: { content: 'Economy [1].', promptTokens: 5, completionTokens: 3 } }),
    );
    state.apply(step({ case: 'finalAnswer', value: { text: 'Economy [1].' } }));
    assert.equal(state.finished, true);
    assert.equal(state.stepCount, 2);
    assert.deepEqual(state.pendingCalls(), []);
  });
});
