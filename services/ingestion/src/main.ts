import { runServiceProcess } from '@cairn/platform';
import { ingestionConfigSchema } from './ingestion.config.js';
import { IngestionModule } from './ingestion.module.js';

await runServiceProcess({
  name: 'ingestion',
  configSchema: ingestionConfigSchema,
  modules: [IngestionModule],
});
