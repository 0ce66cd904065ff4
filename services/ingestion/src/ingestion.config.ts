import { platformConfigShape } from '@cairn/config';
import { z } from 'zod';

/** Configuration keys of the ingestion service beyond the platform's. */
export const ingestionConfigShape = {};

/** The ingestion process's configuration: the platform schema plus the service's own keys. */
export const ingestionConfigSchema = z.object({ ...platformConfigShape, ...ingestionConfigShape });
export type IngestionConfig = z.infer<typeof ingestionConfigSchema>;
