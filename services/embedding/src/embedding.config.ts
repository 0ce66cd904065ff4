import { platformConfigShape } from '@cairn/config';
import { embeddingConfigShape as embeddingModelConfigShape } from '@cairn/embeddings';
import { vectorTierConfigShape } from '@cairn/vector-store';
import { z } from 'zod';

/** How chunk events are grouped before they reach the model. */
const indexingConfigShape = {
  indexing: z
    .object({
      batchMaxDocuments: z
        .number()
        .int()
        .min(1)
        .max(1_000)
        .default(64)
        .describe('Most document versions embedded together in one micro-batch.'),
      batchMaxWaitMs: z
        .number()
        .int()
        .min(0)
        .max(10_000)
        .default(25)
        .describe('How long a partition waits to fill a micro-batch before embedding what it has (ms).'),
    })
    .prefault({}),
};

/** Configuration keys of the embedding service beyond the platform's: model, vector tier, batching. */
export const embeddingConfigShape = {
  ...embeddingModelConfigShape,
  ...vectorTierConfigShape,
  ...indexingConfigShape,
};

/** The embedding process's configuration: the platform schema plus the service's own keys. */
export const embeddingConfigSchema = z.object({ ...platformConfigShape, ...embeddingConfigShape });
export type EmbeddingServiceConfig = z.infer<typeof embeddingConfigSchema>;
