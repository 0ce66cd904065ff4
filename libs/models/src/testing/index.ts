export * from './fake-chat-completions.server.js';
export * from './scripted.chat-model.js';
