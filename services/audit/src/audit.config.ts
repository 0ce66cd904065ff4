import { platformConfigShape } from '@cairn/config';
import { z } from 'zod';

/** Configuration keys of the audit service beyond the platform's. */
export const auditConfigShape = {
  audit: z
    .object({
      storeBackend: z
        .enum(['sqlite', 'postgres'])
        .default('sqlite')
        .describe('Audit store: SQLite in <dataDir> (embedded) or PostgreSQL (distributed).'),
      postgresUrl: z
        .string()
        .url()
        .optional()
        .describe('PostgreSQL URL of the audit store (postgres backend).'),
      postgresSchema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lowercase SQL identifier')
        .default('cairn_audit')
        .describe('PostgreSQL schema of the audit tables (postgres backend).'),
      signingKey: z
        .string()
        .optional()
        .describe(
          'Ed25519 key that signs checkpoints: PKCS#8 PEM, or the 32-byte seed in base64. Required with ' +
            'the postgres backend; unset on sqlite, a key is generated into <dataDir>/audit-signing-key.pem.',
        ),
      batchMaxSize: z
        .number()
        .int()
        .min(1)
        .max(1000)
        .default(200)
        .describe('Most events of one partition appended in one store transaction.'),
      batchMaxWaitMs: z
        .number()
        .int()
        .min(0)
        .default(20)
        .describe('How long a partition waits for a batch to fill before appending what it has, in ms.'),
      checkpointEvery: z
        .number()
        .int()
        .min(1)
        .default(1000)
        .describe('Sign a checkpoint of a tenant every this many records.'),
      checkpointIntervalSeconds: z
        .number()
        .int()
        .min(0)
        .default(60)
        .describe('Also sign every tenant with unsigned records this often, in seconds (0 = only by count).'),
    })
    .prefault({}),
};

/** The audit process's configuration: the platform schema plus the service's own keys. */
export const auditConfigSchema = z.object({ ...platformConfigShape, ...auditConfigShape });
export type AuditConfig = z.infer<typeof auditConfigSchema>;
