import { platformConfigShape } from '@cairn/config';
import { embeddingConfigShape as embeddingModelConfigShape } from '@cairn/embeddings';
import { vectorTierConfigShape } from '@cairn/vector-store';
import { z } from 'zod';

/** Configuration keys of the embedding service beyond the platform's: the model and the vector tier. */
export const embeddingConfigShape = { ...embeddingModelConfigShape, ...vectorTierConfigShape };

/** The embedding process's configuration: the platform schema plus the service's own keys. */
export const embeddingConfigSchema = z.object({ ...platformConfigShape, ...embeddingConfigShape });
export type EmbeddingServiceConfig = z.infer<typeof embeddingConfigSchema>;
