import { platformConfigShape } from '@cairn/config';
import { z } from 'zod';

/** Configuration keys of the embedding service beyond the platform's. */
export const embeddingConfigShape = {};

/** The embedding process's configuration: the platform schema plus the service's own keys. */
export const embeddingConfigSchema = z.object({ ...platformConfigShape, ...embeddingConfigShape });
export type EmbeddingConfig = z.infer<typeof embeddingConfigSchema>;
