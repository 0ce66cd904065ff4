import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

const port = z.number().int().min(0).max(65535);
const host = z.string().min(1);

/**
 * Settings every Cairn process shares: where it listens, where its data lives, which event backend
 * and which API keys it uses. Each service's schema extends this one.
 */
export const platformConfigShape = {
  dataDir: z
    .string()
    .min(1)
    .default('./.cairn')
    .describe('Directory for embedded stores, the embedded log and dev keys.'),
  modelDir: z
    .string()
    .min(1)
    .default(() => join(homedir(), '.cache', 'cairn', 'models', 'all-MiniLM-L6-v2'))
    .describe(
      'Directory of the local embedding model (model.onnx, vocab.txt), as scripts/fetch-model.sh installs it.',
    ),
  log: z
    .object({
      level: z
        .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
        .default('info')
        .describe('Log level.'),
    })
    .prefault({}),
  grpc: z
    .object({
      host: host.default('127.0.0.1').describe('Address the gRPC server binds.'),
      port: port.default(50051).describe('gRPC port (0 picks a free port).'),
      maxMessageBytes: z
        .number()
        .int()
        .min(1024)
        .default(16 * 1024 * 1024)
        .describe('Largest gRPC message accepted or sent, in bytes.'),
      tls: z
        .object({
          certFile: z
            .string()
            .min(1)
            .optional()
            .describe('PEM certificate chain of the gRPC server; with keyFile, gRPC is served over TLS.'),
          keyFile: z.string().min(1).optional().describe('PEM private key of the gRPC server certificate.'),
          clientCaFile: z
            .string()
            .min(1)
            .optional()
            .describe('PEM CA bundle; when set, clients must present a certificate it signed (mTLS).'),
        })
        .refine((tls) => (tls.certFile === undefined) === (tls.keyFile === undefined), {
          message: 'set both CAIRN_GRPC_TLS_CERT_FILE and CAIRN_GRPC_TLS_KEY_FILE, or neither',
          path: ['keyFile'],
        })
        .refine((tls) => tls.clientCaFile === undefined || tls.certFile !== undefined, {
          message: 'mTLS (CAIRN_GRPC_TLS_CLIENT_CA_FILE) needs TLS: set the certificate and key files too',
          path: ['clientCaFile'],
        })
        .prefault({}),
      rateLimit: z
        .object({
          requestsPerSecond: z
            .number()
            .min(0)
            .default(0)
            .describe(
              'Sustained gRPC calls per second each tenant may make (token bucket; 0 = no limit). Over it: RESOURCE_EXHAUSTED, reason RATE_LIMITED.',
            ),
          burst: z
            .number()
            .int()
            .min(1)
            .optional()
            .describe('Calls a tenant may make at once after a quiet spell; default: the rate rounded up.'),
          scope: z
            .enum(['tenant', 'tenant-role'])
            .default('tenant')
            .describe(
              'tenant: one bucket per tenant; tenant-role: one per tenant and method class (the role a method requires).',
            ),
        })
        .prefault({}),
    })
    .prefault({}),
  http: z
    .object({
      host: host.default('127.0.0.1').describe('Address the HTTP server (health, metrics) binds.'),
      port: port
        .default(8080)
        .describe('HTTP port for /healthz, /readyz and /metrics (0 picks a free port).'),
    })
    .prefault({}),
  events: z
    .object({
      backend: z
        .enum(['embedded', 'kafka'])
        .default('embedded')
        .describe('Event backbone: the embedded log (single process) or Kafka.'),
      partitions: z.number().int().min(1).default(3).describe('Partitions per topic created at start.'),
      replicationFactor: z.number().int().min(1).default(1).describe('Replication factor of created topics.'),
      maxAttempts: z
        .number()
        .int()
        .min(1)
        .default(5)
        .describe('Handler attempts before a message goes to the DLQ.'),
      groupPrefix: z
        .string()
        .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, dot, dash and underscore only')
        .default('')
        .describe('Prefix of every consumer group, for deployments that share a broker.'),
    })
    .prefault({}),
  kafka: z
    .object({
      brokers: z
        .array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port'))
        .default(['127.0.0.1:9092'])
        .describe('Kafka bootstrap brokers, comma-separated host:port.'),
      clientId: z.string().min(1).default('cairn').describe('Kafka client id prefix.'),
      sessionTimeoutMs: z
        .number()
        .int()
        .min(6_000)
        .max(300_000)
        .default(30_000)
        .describe(
          'How long the broker waits for a silent consumer (a crashed process) before its partitions go to the others, in ms.',
        ),
    })
    .prefault({}),
  auth: z
    .object({
      apiKeysFile: z
        .string()
        .optional()
        .describe('JSON file of hashed API keys; when unset, <dataDir>/api-keys.json is used.'),
      createDevKey: z
        .boolean()
        .default(true)
        .describe('When no key exists, create a development key and write it to <dataDir>/api-key.'),
      serviceApiKey: z
        .string()
        .regex(/^cairn_[A-Za-z0-9]{4,64}_[A-Za-z0-9_-]{16,256}$/, 'expected a key cairn_<id>_<secret>')
        .optional()
        .describe(
          'Key (role service) this process calls other Cairn services with; the services it calls must ' +
            'hold its hash. Unset: a key valid only within this process is generated at start (all-in-one).',
        ),
    })
    .prefault({}),
};

/** The shared part of every service's configuration. */
export const platformConfigSchema = z.object(platformConfigShape);
export type PlatformConfig = z.infer<typeof platformConfigSchema>;
