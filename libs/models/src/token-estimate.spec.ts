import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimatePromptTokens, estimateTokens } from './token-estimate.js';

void describe('estimateTokens', () => {
  void it('counts words, digit groups and symbols roughly as a byte-pair encoder does', () => {
    assert.equal(estimateTokens(''), 0);
    assert.equal(estimateTokens('Book economy class.'), 4);
    assert.equal(estimateTokens('internationalization'), 3);
    assert.equal(estimateTokens('1234567'), 3);
    // English prose runs at about 1 to 1.4 tokens per word in byte-pair encoders.
    const prose =
      'Retrieval-augmented generation answers questions from documents found at query time, citing each passage it used.';
    const words = prose.split(/\s+/).length;
    const tokens = estimateTokens(prose);
    assert.ok(tokens >= words && tokens <= words * 1.4, `${tokens} tokens for ${words} words`);
  });

  void it('adds message overhead, tool calls and tool definitions to a prompt', () => {
    const bare = estimatePromptTokens([{ role: 'user', content: 'hello' }]);
    assert.equal(bare, 3 + 4 + 1);
    const withTool = estimatePromptTokens(
      [{ role: 'user', content: 'hello' }],
      [{ name: 'retrieve', description: 'Search the knowledge base.', parameters: { type: 'object' } }],
    );
    assert.ok(withTool > bare + 10);
  });
});
