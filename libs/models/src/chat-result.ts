import type { ChatEvent, ChatResult, ToolCall } from './chat-model.port.js';
import { ModelError } from './model-error.js';

/** Drains a stream and returns the result of its `finish` event. */
export async function collectChat(events: AsyncIterable<ChatEvent>): Promise<ChatResult> {
  let result: ChatResult | undefined;
  for await (const event of events) if (event.type === 'finish') result = event.result;
  if (!result) throw new ModelError('protocol', 'the model stream ended without a finish event');
  return result;
}

/**
 * The arguments of a tool call as an object; a {@link ModelError} `invalid_tool_arguments` when the
 * model produced text that is not a JSON object (an agent loop can show the model its mistake).
 */
export function parseToolArguments(call: ToolCall): Record<string, unknown> {
  const text = call.arguments.trim() === '' ? '{}' : call.arguments;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ModelError(
      'invalid_tool_arguments',
      `arguments of tool call ${call.id} (${call.name}) are not JSON: ${text.slice(0, 200)}`,
      undefined,
      { cause: err },
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ModelError(
      'invalid_tool_arguments',
      `arguments of tool call ${call.id} (${call.name}) are not a JSON object: ${text.slice(0, 200)}`,
    );
  return value as Record<string, unknown>;
}
