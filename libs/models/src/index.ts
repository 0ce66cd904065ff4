export * from './chat-model.port.js';
export * from './model-error.js';
export * from './chat-result.js';
export * from './token-estimate.js';
export * from './openai/openai.chat-model.js';
export { parseServerSentEvents, type ServerSentEvent } from './openai/sse.js';
