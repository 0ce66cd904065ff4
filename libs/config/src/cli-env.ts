import { ENV_PREFIX } from './config-keys.js';

/** What the `cairn` command line takes from the environment when no flag gives it. */
export interface CliEnvironment {
  /** `CAIRN_ENDPOINT`: `host:port` of the Cairn gRPC endpoint. */
  readonly endpoint?: string;
  /** `CAIRN_API_KEY`: the API key sent as `authorization: Bearer <key>`. */
  readonly apiKey?: string;
  /** `CAIRN_TENANT`: the tenant named in requests. */
  readonly tenant?: string;
}

/** Reads {@link CliEnvironment} (empty values count as unset). Services never read these keys. */
export function cliEnvironment(
  // eslint-disable-next-line no-restricted-properties -- the config module is the one reader of process.env.
  env: Readonly<Record<string, string | undefined>> = process.env,
): CliEnvironment {
  const read = (name: string): string | undefined => {
    const value = env[`${ENV_PREFIX}${name}`]?.trim();
    return value ? value : undefined;
  };
  const endpoint = read('ENDPOINT');
  const apiKey = read('API_KEY');
  const tenant = read('TENANT');
  return {
    ...(endpoint ? { endpoint } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(tenant ? { tenant } : {}),
  };
}
