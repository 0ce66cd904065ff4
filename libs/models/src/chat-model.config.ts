import { z } from 'zod';
import type { ChatModel } from './chat-model.port.js';
import { ExtractiveChatModel } from './extractive/extractive.chat-model.js';
import { OpenAiChatModel } from './openai/openai.chat-model.js';

/** Config keys of the chat model of agent runs (`CAIRN_CHAT_MODEL_*`). */
export const chatModelConfigShape = {
  chatModel: z
    .object({
      provider: z
        .enum(['extractive', 'openai'])
        .default('extractive')
        .describe(
          'extractive: the built-in model that answers from retrieved passages, no LLM; openai: an OpenAI-compatible /chat/completions.',
        ),
      openai: z
        .object({
          baseUrl: z
            .url()
            .optional()
            .describe('API base, e.g. http://127.0.0.1:11434/v1 (Ollama), .../v1 (vLLM).'),
          apiKey: z.string().optional().describe('Sent as a bearer token when set.'),
          model: z.string().optional().describe('The model field of requests.'),
        })
        .prefault({})
        .describe('The OpenAI-compatible endpoint (provider openai).'),
      timeoutMs: z
        .number()
        .int()
        .min(1)
        .default(120_000)
        .describe('Time limit of one model call attempt, stream included.'),
      maxRetries: z
        .number()
        .int()
        .min(0)
        .default(3)
        .describe('Retries on 429, 5xx, network errors and timeouts.'),
      includeUsage: z
        .boolean()
        .default(true)
        .describe('Ask for token usage in streams (stream_options.include_usage).'),
    })
    .prefault({}),
};

export type ChatModelConfig = z.infer<(typeof chatModelConfigShape)['chatModel']>;

/** The one place that picks a {@link ChatModel} adapter from config; a missing setting is named. */
export function createChatModel(config: ChatModelConfig): ChatModel {
  switch (config.provider) {
    case 'extractive':
      return new ExtractiveChatModel();
    case 'openai': {
      const { baseUrl, model, apiKey } = config.openai;
      if (!baseUrl || !model) {
        const missing = [!baseUrl && 'chatModel.openai.baseUrl', !model && 'chatModel.openai.model'];
        throw new Error(`chatModel: provider "openai" needs ${missing.filter(Boolean).join(' and ')}`);
      }
      return new OpenAiChatModel({
        baseUrl,
        model,
        timeoutMs: config.timeoutMs,
        maxRetries: config.maxRetries,
        includeUsage: config.includeUsage,
        ...(apiKey ? { apiKey } : {}),
      });
    }
  }
}
