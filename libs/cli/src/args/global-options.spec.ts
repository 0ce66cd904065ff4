import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { DEFAULT_ENDPOINT, resolveGlobalOptions } from './global-options.js';
import type { ParsedValues } from './option-spec.js';

function io(env: CliIo['env'] = {}, keyFile?: string): CliIo {
  const cwd = mkdtempSync(join(tmpdir(), 'cairn-cli-options-'));
  if (keyFile !== undefined) {
    mkdirSync(join(cwd, '.cairn'));
    writeFileSync(join(cwd, '.cairn', 'api-key'), keyFile);
  }
  const sink = { write: () => true };
  return { stdout: sink, stderr: sink, cwd, env };
}

const resolve = (values: ParsedValues, on: CliIo) => resolveGlobalOptions(values, on, 'status');

void describe('global options', () => {
  void it('default to the all-in-one on loopback, no tenant, 30 s deadlines, plaintext', () => {
    const options = resolve({}, io());
    assert.equal(options.endpoint, DEFAULT_ENDPOINT);
    assert.equal(options.tenant, '');
    assert.equal(options.timeoutMs, 30_000);
    assert.equal(options.json, false);
    assert.equal(options.clientOptions.credentials, undefined);
    assert.deepEqual([options.apiKey, options.apiKeySource], [undefined, 'none']);
  });

  void it('take the API key from the flag, else CAIRN_API_KEY, else .cairn/api-key', () => {
    const on = io({ apiKey: 'from-env' }, 'from-file\n');
    assert.deepEqual(
      [resolve({ 'api-key': 'from-flag' }, on).apiKey, resolve({ 'api-key': 'from-flag' }, on).apiKeySource],
      ['from-flag', 'flag'],
    );
    assert.deepEqual([resolve({}, on).apiKey, resolve({}, on).apiKeySource], ['from-env', 'env']);
    const fileOnly = io({}, '  from-file\n');
    assert.deepEqual(
      [resolve({}, fileOnly).apiKey, resolve({}, fileOnly).apiKeySource],
      ['from-file', 'file'],
    );
  });

  void it('take endpoint and tenant from the flags over the environment', () => {
    const on = io({ endpoint: 'env:1', tenant: 'env-tenant' });
    assert.deepEqual([resolve({}, on).endpoint, resolve({}, on).tenant], ['env:1', 'env-tenant']);
    const flagged = resolve({ endpoint: 'flag:2', tenant: 'acme' }, on);
    assert.deepEqual([flagged.endpoint, flagged.tenant], ['flag:2', 'acme']);
  });

  void it('turn on TLS with --tls or a CA file, and refuse a file that cannot be read', () => {
    assert.notEqual(resolve({ tls: true }, io()).clientOptions.credentials, undefined);
    assert.throws(
      () => resolve({ 'ca-file': '/nonexistent/ca.pem' }, io()),
      (error: unknown) => error instanceof UsageError && /cannot read the TLS CA file/.test(error.message),
    );
    assert.throws(
      () => resolve({ 'cert-file': '/x.pem' }, io()),
      /needs both its certificate file and its key file/,
    );
  });

  void it('read --timeout in seconds', () => {
    assert.equal(resolve({ timeout: '5' }, io()).timeoutMs, 5_000);
    assert.throws(() => resolve({ timeout: '0' }, io()), UsageError);
  });
});
