import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listConfigKeys } from '@cairn/config';
import { z } from 'zod';
import { describeKey } from './config-reference.js';

const schema = z.object({
  store: z
    .object({
      backend: z.enum(['sqlite', 'postgres']).default('sqlite').describe('Where rows live.'),
      url: z.string().url().optional().describe('Server URL.'),
      batchSize: z.number().int().min(1).max(1000).default(200),
      retries: z.number().int().min(0).default(3),
    })
    .prefault({}),
  brokers: z.array(z.string().regex(/^[^:]+:\d+$/)).default(['127.0.0.1:9092']),
  cacheDir: z
    .string()
    .min(1)
    .default(() => join(homedir(), '.cache', 'x')),
});

void describe('describeKey (configuration reference)', () => {
  void it('gives each key its variable, JSON path, type, default and allowed values', () => {
    const rows = listConfigKeys(schema).map(describeKey);
    assert.deepEqual(
      rows.map((row) => [row.env, row.jsonPath, row.type, row.default, row.allowed, row.description]),
      [
        [
          'CAIRN_STORE_BACKEND',
          'store.backend',
          'enum',
          '"sqlite"',
          '`sqlite`, `postgres`',
          'Where rows live.',
        ],
        ['CAIRN_STORE_URL', 'store.url', 'URL', '', '', 'Server URL.'],
        ['CAIRN_STORE_BATCH_SIZE', 'store.batchSize', 'integer', '200', '1–1000', ''],
        ['CAIRN_STORE_RETRIES', 'store.retries', 'integer', '3', '≥ 0', ''],
        [
          'CAIRN_BROKERS',
          'brokers',
          'list of string (comma-separated)',
          '["127.0.0.1:9092"]',
          'each matches `^[^:]+:\\d+$`',
          '',
        ],
        ['CAIRN_CACHE_DIR', 'cacheDir', 'string', '"~/.cache/x"', 'non-empty', ''],
      ],
    );
  });
});
