import type { Type } from '@nestjs/common';
import { AgentRunnerModule } from '@cairn/agent-runner';
import { AuditModule } from '@cairn/audit';
import { EmbeddingModule } from '@cairn/embedding';
import { IngestionModule } from '@cairn/ingestion';
import { RetrievalModule } from '@cairn/retrieval';
import type { ServiceProcessSpec } from '@cairn/platform';
import { allInOneConfigSchema } from './all-in-one.config.js';

/** The five service modules, in the order they start. */
export const ALL_SERVICE_MODULES: readonly Type<unknown>[] = [
  IngestionModule,
  EmbeddingModule,
  RetrievalModule,
  AgentRunnerModule,
  AuditModule,
];

/** The composition root of the single-process mode: every service on one gRPC port. */
export const allInOneProcess: ServiceProcessSpec<typeof allInOneConfigSchema> = {
  name: 'all-in-one',
  configSchema: allInOneConfigSchema,
  modules: ALL_SERVICE_MODULES,
};
