import { platformConfigShape } from '@cairn/config';
import { z } from 'zod';

/** Configuration keys of the retrieval service beyond the platform's. */
export const retrievalConfigShape = {};

/** The retrieval process's configuration: the platform schema plus the service's own keys. */
export const retrievalConfigSchema = z.object({ ...platformConfigShape, ...retrievalConfigShape });
export type RetrievalConfig = z.infer<typeof retrievalConfigSchema>;
