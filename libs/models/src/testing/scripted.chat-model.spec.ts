import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelError } from '../model-error.js';
import { ScriptedChatModel } from './scripted.chat-model.js';

void describe('ScriptedChatModel', () => {
  void it('answers with its steps in order, records requests, and fails when the script runs out', async () => {
    const model = new ScriptedChatModel([
      { toolCalls: [{ id: 'c1', name: 'retrieve', arguments: '{"query":"q"}' }] },
      (request) => ({
        content: `seen ${request.messages.length} messages`,
        usage: { promptTokens: 7, completionTokens: 3 },
      }),
      new ModelError('rate_limited', 'slow down', 429),
    ]);
    const first = await model.complete({ messages: [{ role: 'user', content: 'q' }] });
    assert.equal(first.finishReason, 'tool_calls');
    assert.equal(first.message.toolCalls?.[0]?.name, 'retrieve');
    const second = await model.complete({
      messages: [
        { role: 'user', content: 'q' },
        first.message,
        { role: 'tool', toolCallId: 'c1', content: 'r' },
      ],
    });
    assert.equal(second.message.content, 'seen 3 messages');
    assert.deepEqual(second.usage, {
      promptTokens: 7,
      completionTokens: 3,
      totalTokens: 10,
      source: 'reported',
    });
    await assert.rejects(
      model.complete({ messages: [] }),
      (err) => err instanceof ModelError && err.code === 'rate_limited',
    );
    await assert.rejects(model.complete({ messages: [] }), /no scripted step left for call 4/);
    assert.equal(model.requests.length, 4);
  });
});
