import type { ChatMessage, ToolDefinition } from './chat-model.port.js';

const PIECE = /\p{L}+|\p{N}+|[^\s\p{L}\p{N}]/gu;

/**
 * Approximate token count of a text for budgets, shaped after byte-pair encoders such as cl100k:
 * a word of up to 9 letters is one token and a longer one one more per 7 letters, digits go in groups of
 * 3, every other symbol costs one.
 * Within about ±20 % of real tokenizers on English prose; prefer the usage a server reports.
 */
export function estimateTokens(text: string): number {
  let tokens = 0;
  for (const [piece] of text.matchAll(PIECE)) {
    const first = piece.codePointAt(0) ?? 0;
    if (first >= 0x30 && first <= 0x39) tokens += Math.ceil(piece.length / 3);
    else if (/\p{L}/u.test(piece)) tokens += 1 + Math.floor(Math.max(0, piece.length - 3) / 7);
    else tokens += 1;
  }
  return tokens;
}

/** Tokens a chat format spends around each message, and to prime the reply (OpenAI's published figures). */
const PER_MESSAGE = 4;
const REPLY_PRIMING = 3;

/** Approximate prompt tokens of a request: messages, tool calls and tool definitions. */
export function estimatePromptTokens(
  messages: readonly ChatMessage[],
  tools: readonly ToolDefinition[] = [],
): number {
  let tokens = REPLY_PRIMING;
  for (const message of messages) {
    tokens += PER_MESSAGE + estimateTokens(message.content);
    if (message.role === 'assistant')
      for (const call of message.toolCalls ?? [])
        tokens += estimateTokens(call.name) + estimateTokens(call.arguments);
  }
  for (const tool of tools) tokens += estimateTokens(JSON.stringify(tool));
  return tokens;
}
