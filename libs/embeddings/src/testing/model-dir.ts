import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Files the `local` provider needs in its model directory. */
export const LOCAL_MODEL_FILES = ['model.onnx', 'vocab.txt'] as const;

/** Test tooling only: services get their model directory from their validated config. */
function processEnv(): NodeJS.ProcessEnv {
  // eslint-disable-next-line no-restricted-properties -- test gate, mirrors scripts/fetch-model.sh's variables
  return process.env;
}

/**
 * Where `scripts/fetch-model.sh` installs the model (same defaults as the script):
 * `CAIRN_MODEL_DIR`, else `${CAIRN_CACHE_DIR:-~/.cache/cairn}/models/all-MiniLM-L6-v2`.
 * For tests and tooling; services take the directory from their validated config.
 */
export function defaultModelDir(env: NodeJS.ProcessEnv = processEnv()): string {
  const explicit = env['CAIRN_MODEL_DIR'];
  if (explicit) return explicit;
  const cache = env['CAIRN_CACHE_DIR'] || join(homedir(), '.cache', 'cairn');
  return join(cache, 'models', 'all-MiniLM-L6-v2');
}

/** Model-dependent specs: what to do when the model is (not) installed. */
export interface ModelTestGate {
  readonly modelDir: string;
  /** A skip reason (string) for `node:test`, or false when the model is there. */
  readonly skip: string | false;
  /** Set when the model is missing and skipping was not allowed: the spec must fail with it. */
  readonly missingError: Error | undefined;
}

/** Decides whether model-dependent specs run, skip (`CAIRN_TEST_SKIP_MODEL=1`) or fail clearly. */
export function modelTestGate(env: NodeJS.ProcessEnv = processEnv()): ModelTestGate {
  const modelDir = defaultModelDir(env);
  const missing = LOCAL_MODEL_FILES.filter((f) => !existsSync(join(modelDir, f)));
  if (missing.length === 0) return { modelDir, skip: false, missingError: undefined };
  const what = `model files missing in ${modelDir}: ${missing.join(', ')}`;
  if (env['CAIRN_TEST_SKIP_MODEL'] === '1') {
    return { modelDir, skip: `${what} (CAIRN_TEST_SKIP_MODEL=1)`, missingError: undefined };
  }
  return {
    modelDir,
    skip: false,
    missingError: new Error(
      `${what}. Run \`bash scripts/fetch-model.sh\` (or set CAIRN_TEST_SKIP_MODEL=1 to skip these specs).`,
    ),
  };
}
