import { platformConfigShape } from '@cairn/config';
import { embeddingConfigShape } from '@cairn/embeddings';
import { vectorTierConfigShape } from '@cairn/vector-store';
import { z } from 'zod';

/** Configuration keys of the retrieval service beyond the platform's: the query model and the vector tier. */
export const retrievalConfigShape = { ...embeddingConfigShape, ...vectorTierConfigShape };

/** The retrieval process's configuration: the platform schema plus the service's own keys. */
export const retrievalConfigSchema = z.object({ ...platformConfigShape, ...retrievalConfigShape });
export type RetrievalConfig = z.infer<typeof retrievalConfigSchema>;
