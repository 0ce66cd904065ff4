import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { helmTemplate, KUBERNETES_VERSION, renderableChart, runTool } from './chart-fixture.js';

/** values.schema.json: a value a service would not accept is rejected before anything is rendered. */
describe('Helm chart: values.schema.json', { timeout: 120_000 }, () => {
  let chart: string;
  before(() => {
    chart = renderableChart();
  });

  const BAD_VALUES: readonly { name: string; values: string; error: RegExp }[] = [
    { name: 'a broker without a port', values: 'kafka:\n  brokers: [kafka]\n', error: /kafka\/brokers\/0/ },
    { name: 'the latest tag', values: 'image:\n  tag: latest\n', error: /image\/tag/ },
    {
      name: 'negative replicas',
      values: 'services:\n  embedding:\n    replicas: -1\n',
      error: /services\/embedding\/replicas/,
    },
    { name: 'a misspelt top-level key', values: 'servics: {}\n', error: /servics/ },
    { name: 'a misspelt service', values: 'services:\n  retreival: {}\n', error: /retreival/ },
    { name: 'no Secret at all', values: 'secret:\n  create: false\n', error: /secret\/existingSecret/ },
    { name: 'TLS without its Secret', values: 'tls:\n  enabled: true\n', error: /tls\/secretName/ },
    {
      name: 'an env name outside CAIRN_',
      values: 'config:\n  env:\n    LOG_LEVEL: debug\n',
      error: /LOG_LEVEL/,
    },
    {
      name: 'openai without an endpoint',
      values: 'embedding:\n  provider: openai\n',
      error: /embedding\/openai/,
    },
    { name: 'an unknown log level', values: 'config:\n  logLevel: loud\n', error: /config\/logLevel/ },
  ];

  it('values.schema.json rejects bad values, naming the value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-bad-values-'));
    for (const [index, bad] of BAD_VALUES.entries()) {
      const file = join(dir, `${index}.yaml`);
      writeFileSync(file, bad.values);
      const lint = runTool('helm', [
        'lint',
        '--strict',
        chart,
        '--kube-version',
        KUBERNETES_VERSION,
        '--values',
        file,
      ]);
      assert.notEqual(lint.status, 0, `helm lint accepted ${bad.name}`);
      assert.throws(
        () => helmTemplate(chart, ['--values', file]),
        bad.error,
        `helm template and ${bad.name}`,
      );
    }
  });
});
