import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { chatModelConfigShape, createChatModel } from './chat-model.config.js';
import { ExtractiveChatModel } from './extractive/extractive.chat-model.js';
import { OpenAiChatModel } from './openai/openai.chat-model.js';

const schema = z.object(chatModelConfigShape);

void describe('createChatModel', () => {
  void it('defaults to the extractive model', () => {
    const { chatModel } = schema.parse({});
    assert.equal(chatModel.provider, 'extractive');
    assert.ok(createChatModel(chatModel) instanceof ExtractiveChatModel);
  });

  void it('builds the OpenAI-compatible client, and names the settings it misses', () => {
    const { chatModel } = schema.parse({
      chatModel: { provider: 'openai', openai: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.2' } },
    });
    const model = createChatModel(chatModel);
    assert.ok(model instanceof OpenAiChatModel);
    assert.equal(model.name, 'llama3.2');
    const incomplete = schema.parse({ chatModel: { provider: 'openai' } }).chatModel;
    assert.throws(
      () => createChatModel(incomplete),
      /needs chatModel.openai.baseUrl and chatModel.openai.model/,
    );
  });
});
