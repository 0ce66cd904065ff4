export {
  FakeOpenAiEmbeddingsServer,
  type FakeEmbeddingsBehaviour,
  type FakeEmbeddingsRequest,
  type FakeOpenAiEmbeddingsOptions,
} from './fake-openai-embeddings.server.js';
