import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { channelCredentialsFromFiles, type GrpcClientOptions } from '@cairn/grpc';
import { UsageError } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { OptionSpecs, ParsedValues } from './option-spec.js';
import { flag, intValue, stringValue } from './values.js';

/** Where `npm run up` writes the development key, relative to the current directory. */
export const API_KEY_FILE = join('.cairn', 'api-key');
/** Endpoint when neither `--endpoint` nor `CAIRN_ENDPOINT` names one (the all-in-one's default). */
export const DEFAULT_ENDPOINT = '127.0.0.1:50051';
const DEFAULT_TIMEOUT_SECONDS = 30;

/** Flags every command takes. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  endpoint: {
    type: 'string',
    value: 'host:port',
    description: `gRPC endpoint of Cairn (env CAIRN_ENDPOINT; default ${DEFAULT_ENDPOINT})`,
  },
  'api-key': {
    type: 'string',
    value: 'key',
    description: `API key (env CAIRN_API_KEY; default: the file ${API_KEY_FILE} in the current directory)`,
  },
  tenant: {
    type: 'string',
    value: 'tenant',
    description: "tenant to act on (env CAIRN_TENANT; default: the API key's tenant)",
  },
  json: {
    type: 'boolean',
    description: 'print machine-readable JSON on stdout (protobuf JSON for responses)',
  },
  tls: { type: 'boolean', description: "connect over TLS (the system's trusted roots unless --ca-file)" },
  'ca-file': { type: 'string', value: 'pem', description: 'CA bundle to trust; implies --tls' },
  'cert-file': {
    type: 'string',
    value: 'pem',
    description: 'client certificate for mutual TLS (with --key-file)',
  },
  'key-file': { type: 'string', value: 'pem', description: 'private key of the client certificate' },
  timeout: {
    type: 'string',
    value: 'seconds',
    description: `deadline of each call that is not a stream (default ${DEFAULT_TIMEOUT_SECONDS})`,
  },
  help: { type: 'boolean', short: 'h', description: 'show help' },
  version: { type: 'boolean', description: 'print the version of cairn' },
};

/** Where the API key came from (for the hint printed with UNAUTHENTICATED). */
export type ApiKeySource = 'flag' | 'env' | 'file' | 'none';

/** The global flags, resolved against the environment and the current directory. */
export interface GlobalOptions {
  readonly endpoint: string;
  readonly apiKey: string | undefined;
  readonly apiKeySource: ApiKeySource;
  /** Empty = the API key's tenant. */
  readonly tenant: string;
  readonly json: boolean;
  /** Client options of every channel: credentials and message limits. */
  readonly clientOptions: Omit<GrpcClientOptions, 'apiKey'>;
  readonly timeoutMs: number;
}

/** Resolves flags over `CAIRN_*` variables over defaults; a bad value is a usage error. */
export function resolveGlobalOptions(values: ParsedValues, io: CliIo, command: string): GlobalOptions {
  const apiKey = resolveApiKey(values, io);
  const caFile = stringValue(values, 'ca-file');
  const certFile = stringValue(values, 'cert-file');
  const keyFile = stringValue(values, 'key-file');
  const tls = flag(values, 'tls') || caFile !== undefined || certFile !== undefined || keyFile !== undefined;
  let credentials: GrpcClientOptions['credentials'];
  try {
    credentials = tls ? channelCredentialsFromFiles({ caFile, certFile, keyFile }) : undefined;
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
  const timeoutSeconds = intValue(values, 'timeout', { min: 1, fallback: DEFAULT_TIMEOUT_SECONDS }, command);
  return {
    endpoint: stringValue(values, 'endpoint') ?? io.env.endpoint ?? DEFAULT_ENDPOINT,
    ...apiKey,
    tenant: stringValue(values, 'tenant') ?? io.env.tenant ?? '',
    json: flag(values, 'json'),
    clientOptions: {
      ...(credentials ? { credentials } : {}),
      // Audit pages with payloads and long document lists outgrow grpc-js's 4 MiB default.
      channelOptions: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 },
    },
    timeoutMs: (timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
  };
}

function resolveApiKey(
  values: ParsedValues,
  io: CliIo,
): { apiKey: string | undefined; apiKeySource: ApiKeySource } {
  const fromFlag = stringValue(values, 'api-key');
  if (fromFlag) return { apiKey: fromFlag, apiKeySource: 'flag' };
  if (io.env.apiKey) return { apiKey: io.env.apiKey, apiKeySource: 'env' };
  const path = join(io.cwd, API_KEY_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { apiKey: undefined, apiKeySource: 'none' };
    throw new UsageError(`cannot read the API key file ${path}: ${(error as Error).message}`);
  }
  const key = text.trim();
  return key ? { apiKey: key, apiKeySource: 'file' } : { apiKey: undefined, apiKeySource: 'none' };
}
