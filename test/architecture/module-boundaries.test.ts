import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ESLint } from 'eslint';
import { REPO_ROOT } from '../support/repo.js';

/** The lint rules that keep the architecture honest really fire (a rule that is skipped constrains nothing). */
void describe('module boundaries (eslint + Nx project graph)', () => {
  let eslint: ESLint;
  before(() => {
    // The Nx rule reads the cached project graph; build it as `npm run lint` does.
    execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'nx'), ['show', 'projects'], {
      cwd: REPO_ROOT,
      stdio: 'ignore',
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' }, // eslint-disable-line no-restricted-properties
    });
    eslint = new ESLint({ cwd: REPO_ROOT });
  });

  /** Lints a probe file written into the project (the type-aware parser needs it on disk), then removes it. */
  async function problems(file: string, code: string): Promise<string[]> {
    const path = join(REPO_ROOT, file);
    writeFileSync(path, code);
    try {
      const [result] = await eslint.lintFiles([path]);
      return (result?.messages ?? []).map((message) => `${message.ruleId ?? 'parse'}: ${message.message}`);
    } finally {
      rmSync(path, { force: true });
    }
  }

  void it('a service importing another service is an error', async () => {
    const found = await problems(
      'services/ingestion/src/boundary-probe.generated-test.ts',
      "import { RetrievalModule } from '@cairn/retrieval';\nexport const probe = RetrievalModule;\n",
    );
    assert.ok(
      found.some((line) => line.startsWith('@nx/enforce-module-boundaries')),
      found.join('\n'),
    );
  });

  void it('a library importing a service is an error', async () => {
    const found = await problems(
      'libs/events/src/boundary-probe.generated-test.ts',
      "import { IngestionModule } from '@cairn/ingestion';\nexport const probe = IngestionModule;\n",
    );
    assert.ok(
      found.some((line) => line.startsWith('@nx/enforce-module-boundaries')),
      found.join('\n'),
    );
  });

  void it('the CLI importing a service is an error', async () => {
    const found = await problems(
      'libs/cli/src/boundary-probe.generated-test.ts',
      "import { IngestionModule } from '@cairn/ingestion';\nexport const probe = IngestionModule;\n",
    );
    assert.ok(
      found.some((line) => line.startsWith('@nx/enforce-module-boundaries')),
      found.join('\n'),
    );
  });

  void it('domain code importing a transport is an error', async () => {
    const found = await problems(
      'libs/ingestion-domain/src/boundary-probe.generated-test.ts',
      "import { Kafka } from 'kafkajs';\nexport const probe = Kafka;\n",
    );
    assert.ok(
      found.some((line) => line.startsWith('no-restricted-imports')),
      found.join('\n'),
    );
  });

  void it('reading process.env outside the config module is an error', async () => {
    const found = await problems(
      'services/ingestion/src/boundary-probe.generated-test.ts',
      "export const port = process.env['PORT'];\n",
    );
    assert.ok(
      found.some((line) => line.startsWith('no-restricted-properties')),
      found.join('\n'),
    );
  });

  void it('the all-in-one composition root may import the services', async () => {
    const found = await problems(
      'services/all-in-one/src/boundary-probe.generated-test.ts',
      "import { IngestionModule } from '@cairn/ingestion';\nexport const probe = IngestionModule;\n",
    );
    assert.deepEqual(
      found.filter((line) => line.startsWith('@nx/enforce-module-boundaries')),
      [],
    );
  });
});
