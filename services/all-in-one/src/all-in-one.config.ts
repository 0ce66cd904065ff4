import { platformConfigShape } from '@cairn/config';
import { agentRunnerConfigShape } from '@cairn/agent-runner';
import { auditConfigShape } from '@cairn/audit';
import { embeddingConfigShape } from '@cairn/embedding';
import { ingestionConfigShape } from '@cairn/ingestion';
import { retrievalConfigShape } from '@cairn/retrieval';
import { z } from 'zod';

/** All five services' configuration in one schema: one process, one set of `CAIRN_*` keys. */
export const allInOneConfigSchema = z.object({
  ...platformConfigShape,
  ...ingestionConfigShape,
  ...embeddingConfigShape,
  ...retrievalConfigShape,
  ...agentRunnerConfigShape,
  ...auditConfigShape,
});
export type AllInOneConfig = z.infer<typeof allInOneConfigSchema>;
