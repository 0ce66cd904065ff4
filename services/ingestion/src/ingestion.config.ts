import { platformConfigShape } from '@cairn/config';
import { z } from 'zod';

/** Configuration keys of the ingestion service beyond the platform's. */
export const ingestionConfigShape = {
  ingestion: z
    .object({
      registryBackend: z
        .enum(['sqlite', 'postgres'])
        .default('sqlite')
        .describe('Document registry: SQLite in <dataDir> (embedded) or PostgreSQL (distributed).'),
      postgresUrl: z
        .string()
        .url()
        .optional()
        .describe('PostgreSQL URL of the document registry (postgres backend).'),
      maxDocumentBytes: z
        .number()
        .int()
        .min(1)
        .default(20 * 1024 * 1024)
        .describe('Largest document accepted, in bytes; larger ones are rejected with INVALID_ARGUMENT.'),
      chunkMaxTokens: z.number().int().min(16).max(512).default(256).describe('Chunk size, in model tokens.'),
      chunkOverlapTokens: z
        .number()
        .int()
        .min(0)
        .default(32)
        .describe('Overlap between consecutive chunks, in tokens.'),
      collectionChunking: z
        .preprocess(
          (value): unknown => (typeof value === 'string' ? (JSON.parse(value) as unknown) : value),
          z.record(
            z.string().min(1),
            z
              .object({
                maxTokens: z.number().int().min(16).max(512).optional(),
                overlapTokens: z.number().int().min(0).optional(),
              })
              .strict(),
          ),
        )
        .default({})
        .describe(
          'Chunk size and overlap per collection, as JSON: {"handbook":{"maxTokens":128,"overlapTokens":16}}; ' +
            'other collections use chunkMaxTokens and chunkOverlapTokens.',
        ),
      vocabFile: z
        .string()
        .optional()
        .describe("WordPiece vocabulary used to size chunks; default: the local model's vocab.txt."),
    })
    .prefault({}),
};

/** The ingestion process's configuration: the platform schema plus the service's own keys. */
export const ingestionConfigSchema = z.object({ ...platformConfigShape, ...ingestionConfigShape });
export type IngestionConfig = z.infer<typeof ingestionConfigSchema>;
