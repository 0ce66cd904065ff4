import { runServiceProcess } from '@cairn/platform';
import { retrievalConfigSchema } from './retrieval.config.js';
import { RetrievalModule } from './retrieval.module.js';

await runServiceProcess({
  name: 'retrieval',
  configSchema: retrievalConfigSchema,
  modules: [RetrievalModule],
});
