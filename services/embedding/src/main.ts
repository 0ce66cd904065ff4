import { runServiceProcess } from '@cairn/platform';
import { embeddingConfigSchema } from './embedding.config.js';
import { EmbeddingModule } from './embedding.module.js';

await runServiceProcess({
  name: 'embedding',
  configSchema: embeddingConfigSchema,
  modules: [EmbeddingModule],
});
