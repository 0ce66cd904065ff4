import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cliEnvironment } from './cli-env.js';

void describe('cliEnvironment', () => {
  void it('reads CAIRN_ENDPOINT, CAIRN_API_KEY and CAIRN_TENANT, trimmed, empty values as unset', () => {
    assert.deepEqual(
      cliEnvironment({
        CAIRN_ENDPOINT: ' cairn:50051 ',
        CAIRN_API_KEY: 'k',
        CAIRN_TENANT: '',
        CAIRN_GRPC_PORT: '1',
      }),
      { endpoint: 'cairn:50051', apiKey: 'k' },
    );
    assert.deepEqual(cliEnvironment({}), {});
  });
});
