import { Inject, Injectable } from '@nestjs/common';
import {
  createChatModel,
  ExtractiveChatModel,
  OpenAiChatModel,
  type ChatModel,
  type ChatOptions,
  type ChatRequest,
  type ChatResult,
} from '@cairn/models';
import { SpanKind, withSpan } from '@cairn/observability';
import { PLATFORM_CONFIG } from '@cairn/platform';
import type { AgentRunnerConfig } from '../agent-runner.config.js';

/** The model an agent names could not be had. */
export class UnknownModelError extends Error {
  override readonly name = 'UnknownModelError';
}

/**
 * The chat models agents name: `extractive` (built in, no LLM), `openai/<model>` (the configured
 * OpenAI-compatible endpoint with that model), or empty for the platform default (`chatModel.*`).
 */
@Injectable()
export class ModelProvider {
  private readonly models = new Map<string, ChatModel>();

  constructor(@Inject(PLATFORM_CONFIG) private readonly config: AgentRunnerConfig) {}

  /** The model for an agent's `model` field; throws {@link UnknownModelError} with what to change. */
  model(spec: string): ChatModel {
    const key = spec.trim();
    let model = this.models.get(key);
    if (!model) {
      model = this.create(key);
      this.models.set(key, model);
    }
    return model;
  }

  /** Why an agent's `model` field cannot be used, or undefined. */
  problem(spec: string): string | undefined {
    try {
      this.model(spec);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  private create(spec: string): ChatModel {
    if (spec === '') {
      try {
        return createChatModel(this.config.chatModel);
      } catch (error) {
        throw new UnknownModelError((error as Error).message);
      }
    }
    if (spec === 'extractive' || spec === 'local/extractive') return new ExtractiveChatModel();
    const openai = /^openai\/(.+)$/.exec(spec);
    if (openai?.[1]) {
      const { baseUrl, apiKey } = this.config.chatModel.openai;
      if (!baseUrl)
        throw new UnknownModelError(
          `model ${spec} needs an OpenAI-compatible endpoint: set CAIRN_CHAT_MODEL_OPENAI_BASE_URL`,
        );
      return new OpenAiChatModel({
        baseUrl,
        model: openai[1],
        timeoutMs: this.config.chatModel.timeoutMs,
        maxRetries: this.config.chatModel.maxRetries,
        includeUsage: this.config.chatModel.includeUsage,
        ...(apiKey ? { apiKey } : {}),
      });
    }
    throw new UnknownModelError(
      `unknown model ${JSON.stringify(spec)}: use "extractive" or "openai/<model>"`,
    );
  }
}

/** One model call as an OpenTelemetry GenAI `chat` span (`gen_ai.*` attributes, token usage). */
export function tracedChat(
  model: ChatModel,
  request: ChatRequest,
  options: ChatOptions,
  agent: string,
): Promise<ChatResult> {
  return withSpan(
    `chat ${model.name}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': model instanceof OpenAiChatModel ? 'openai' : 'cairn',
        'gen_ai.request.model': model.name,
        'gen_ai.agent.name': agent,
        ...(request.temperature === undefined ? {} : { 'gen_ai.request.temperature': request.temperature }),
      },
    },
    async (span) => {
      const result = await model.complete(request, options);
      span.setAttributes({
        'gen_ai.response.model': result.model,
        'gen_ai.response.finish_reasons': [result.finishReason],
        'gen_ai.usage.input_tokens': result.usage.promptTokens,
        'gen_ai.usage.output_tokens': result.usage.completionTokens,
      });
      return result;
    },
  );
}
