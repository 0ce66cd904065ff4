import { z } from 'zod';

/** Prefix of every Cairn environment variable. */
export const ENV_PREFIX = 'CAIRN_';

/** A leaf of a config schema, with the environment variable that sets it. */
export interface ConfigKey {
  /** Dotted path in the config object, e.g. `grpc.port`. */
  readonly path: readonly string[];
  /** Environment variable, e.g. `CAIRN_GRPC_PORT`. */
  readonly env: string;
  /** The leaf schema (with its optional/default wrappers). */
  readonly schema: z.ZodType;
  readonly description: string | undefined;
}

/** `grpcPort` → `GRPC_PORT`; `apiKeysFile` → `API_KEYS_FILE`. */
export function toEnvSegment(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Strips optional/default/nullable wrappers to reach the schema that holds the value type. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable ||
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault
    ) {
      current = current.unwrap() as z.ZodType;
    } else {
      return current;
    }
  }
}

/** Walks an object schema and lists every leaf with its environment variable. */
export function listConfigKeys(schema: z.ZodObject, path: readonly string[] = []): ConfigKey[] {
  const keys: ConfigKey[] = [];
  for (const [name, child] of Object.entries(schema.shape)) {
    const childPath = [...path, name];
    const inner = unwrap(child as z.ZodType);
    if (inner instanceof z.ZodObject) {
      keys.push(...listConfigKeys(inner, childPath));
    } else {
      keys.push({
        path: childPath,
        env: ENV_PREFIX + childPath.map(toEnvSegment).join('_'),
        schema: child as z.ZodType,
        description: (child as z.ZodType).description ?? inner.description,
      });
    }
  }
  return keys;
}
