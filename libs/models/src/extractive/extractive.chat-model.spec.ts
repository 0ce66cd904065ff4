import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage, ChatRequest, ToolDefinition } from '../chat-model.port.js';
import { collectChat, parseToolArguments } from '../chat-result.js';
import { ExtractiveChatModel } from './extractive.chat-model.js';
import { citationsIn } from './passages.js';
import { splitSentences } from './text-analysis.js';

const RETRIEVE: ToolDefinition = {
  name: 'retrieve',
  description: 'Search the knowledge base.',
  parameters: {
    type: 'object',
    properties: { query: { type: 'string' }, topK: { type: 'integer' } },
    required: ['query'],
  },
};

/** Context as the retrieval service packs it: `[n] title › heading` then the chunk text. */
const CONTEXT = [
  '[1] Handbook › Travel',
  'Book economy class for flights under six hours. Business class is allowed for flights longer than six hours.',
  'Trains are preferred for trips under 500 km.',
  '',
  '[2] Handbook › Expenses',
  'Meals are reimbursed up to 40 EUR per day. Receipts must be submitted within 30 days.',
  '',
  '[3] Handbook › Security',
  'Laptops must use full-disk encryption. Report a lost laptop to the security team within one hour.',
].join('\n');

const model = new ExtractiveChatModel();

void describe('ExtractiveChatModel', () => {
  void it('runs like an LLM in an agent loop: retrieve call, tool result, cited answer', async () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Answer from the handbook.' },
      { role: 'user', content: 'Which class should I book for a flight of four hours?' },
    ];
    const first = await model.complete({ messages, tools: [RETRIEVE] });
    assert.equal(first.finishReason, 'tool_calls');
    assert.equal(first.model, 'extractive');
    const call = first.message.toolCalls?.[0];
    assert.ok(call);
    assert.equal(call.name, 'retrieve');
    assert.deepEqual(parseToolArguments(call), {
      query: 'Which class should I book for a flight of four hours?',
    });

    messages.push(first.message, { role: 'tool', toolCallId: call.id, content: CONTEXT });
    const second = await model.complete({ messages, tools: [RETRIEVE] });
    assert.equal(second.finishReason, 'stop');
    assert.equal(second.message.toolCalls, undefined);
    const answer = second.message.content;
    assert.match(answer, /^Book economy class for flights under six hours \[1\]\./);
    assert.deepEqual(citationsIn(answer), [1]);
    assert.doesNotMatch(answer, /Meals|Laptops/);
    assert.ok(second.usage.promptTokens > 50 && second.usage.completionTokens > 5);
    assert.equal(second.usage.source, 'estimated');
  });

  void it('cites each passage it quotes by its own number', async () => {
    const result = await model.complete({
      messages: [
        { role: 'user', content: 'What happens to receipts and meals, and what if I lose my laptop?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'retrieve', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'c1', content: CONTEXT },
      ],
      tools: [RETRIEVE],
    });
    const cited = citationsIn(result.message.content);
    assert.ok(cited.includes(2) && cited.includes(3), result.message.content);
    assert.ok(!cited.includes(1), result.message.content);
  });

  void it('answers with statements, not with the section headings passages start with', async () => {
    const withHeadings = [
      '[1] Architecture › The audit trail',
      'The audit trail',
      '',
      'Each record commits to the previous one in a hash chain, and checkpoints of the chain are signed.',
    ].join('\n');
    const result = await model.complete({
      messages: [
        { role: 'user', content: 'How is the audit trail protected?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'retrieve', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'c1', content: withHeadings },
      ],
      tools: [RETRIEVE],
    });
    assert.equal(
      result.message.content,
      'Each record commits to the previous one in a hash chain, and checkpoints of the chain are signed [1].',
    );
  });

  void it('quotes a list item on its own, and never a table row', async () => {
    const listAndTable = [
      '[1] Operations › Restarts',
      'What a restart keeps:',
      '- Documents stay indexed after a restart.',
      '- Runs resume from their last step.',
      '',
      '| setting | default |',
      '| --- | --- |',
      '| restart policy for runs after a crash | they resume from their last step, always |',
    ].join('\n');
    const result = await model.complete({
      messages: [
        { role: 'user', content: 'Do runs resume after a restart?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'retrieve', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'c1', content: listAndTable },
      ],
      tools: [RETRIEVE],
    });
    assert.match(result.message.content, /^Runs resume from their last step \[1\]\./);
    assert.doesNotMatch(result.message.content, /\||Documents stay indexed.*Runs resume/);
  });

  void it('reads JSON tool results and numbers passages that carry no citation', async () => {
    const result = await model.complete({
      messages: [
        { role: 'user', content: 'How fast must a lost laptop be reported?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'search', arguments: '{}' }] },
        {
          role: 'tool',
          toolCallId: 'c1',
          content: JSON.stringify({
            results: [
              { citation: 4, title: 'Expenses', text: 'Meals are reimbursed up to 40 EUR per day.' },
              { text: 'Report a lost laptop to the security team within one hour.' },
            ],
          }),
        },
      ],
    });
    assert.equal(result.message.content, 'Report a lost laptop to the security team within one hour [5].');
  });

  void it('reads a packed context with its citations, as BuildContext answers in JSON', async () => {
    const result = await model.complete({
      messages: [
        { role: 'user', content: 'Which trips prefer trains?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'retrieve', arguments: '{}' }] },
        {
          role: 'tool',
          toolCallId: 'c1',
          content: JSON.stringify({
            context: CONTEXT,
            citations: [{ index: 1, documentId: 'd1', title: 'Handbook' }],
            tokenCount: 90,
          }),
        },
      ],
    });
    assert.equal(result.message.content, 'Trains are preferred for trips under 500 km [1].');
  });

  void it('says so when no passage is relevant, and does not retrieve twice for one question', async () => {
    const result = await model.complete({
      messages: [
        { role: 'user', content: 'Who won the chess olympiad?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'retrieve', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'c1', content: CONTEXT },
      ],
      tools: [RETRIEVE],
    });
    assert.equal(result.finishReason, 'stop');
    assert.match(result.message.content, /could not find anything relevant/);
    assert.deepEqual(citationsIn(result.message.content), []);

    const empty = await model.complete({
      messages: [
        { role: 'user', content: 'Which class do I fly?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'retrieve', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'c1', content: '[]' },
      ],
      tools: [RETRIEVE],
    });
    assert.equal(empty.finishReason, 'stop');
    assert.match(empty.message.content, /could not find anything relevant/);
  });

  void it('answers from [n] context in the prompt when no tool is offered, and from nothing says so', async () => {
    const fromPrompt = await model.complete({
      messages: [{ role: 'user', content: `How long do I have to submit receipts?\n\n${CONTEXT}` }],
    });
    assert.equal(fromPrompt.message.content, 'Receipts must be submitted within 30 days [2].');
    const nothing = await model.complete({ messages: [{ role: 'user', content: 'Which class do I fly?' }] });
    assert.match(nothing.message.content, /could not find anything relevant/);
    const forbidden = await model.complete({
      messages: [{ role: 'user', content: 'Which class do I fly?' }],
      tools: [RETRIEVE],
      toolChoice: 'none',
    });
    assert.equal(forbidden.message.toolCalls, undefined);
  });

  void it('puts the question in the argument the tool schema names', async () => {
    const tool: ToolDefinition = {
      name: 'search',
      description: 'Search.',
      parameters: { type: 'object', properties: { terms: { type: 'string' } }, required: ['terms'] },
    };
    const result = await model.complete({
      messages: [{ role: 'user', content: 'laptop encryption' }],
      tools: [tool],
    });
    assert.deepEqual(parseToolArguments(result.message.toolCalls![0]!), { terms: 'laptop encryption' });
  });

  void it('is deterministic and streams its answer as text deltas', async () => {
    const request: ChatRequest = {
      messages: [
        { role: 'user', content: 'Which trips prefer trains?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'retrieve', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'c1', content: CONTEXT },
      ],
    };
    const deltas: string[] = [];
    for await (const event of model.stream(request)) if (event.type === 'text-delta') deltas.push(event.text);
    assert.ok(deltas.length > 3);
    const again = await collectChat(model.stream(request));
    assert.equal(deltas.join(''), again.message.content);
    assert.equal(again.message.content, 'Trains are preferred for trips under 500 km [1].');
  });

  void it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await assert.rejects(
      model.complete({ messages: [{ role: 'user', content: 'x' }] }, { signal: controller.signal }),
      /cancelled/,
    );
  });
});

void describe('splitSentences', () => {
  void it('splits at sentence ends but not at abbreviations, initials or decimals', () => {
    const text =
      'Dr. Smith measured 3.5 mg, e.g. in rats. J. R. Tolkien wrote "The Hobbit." It sold well! Did it? Yes\n\n- a bullet\n- another';
    assert.deepEqual(
      splitSentences(text).map((s) => s.text),
      [
        'Dr. Smith measured 3.5 mg, e.g. in rats.',
        'J. R. Tolkien wrote "The Hobbit."',
        'It sold well!',
        'Did it?',
        'Yes',
        '- a bullet',
        '- another',
      ],
    );
  });

  void it('reports where each sentence starts', () => {
    const text = '  First one.  Second one.';
    for (const s of splitSentences(text)) assert.equal(text.slice(s.start, s.start + s.text.length), s.text);
  });
});
