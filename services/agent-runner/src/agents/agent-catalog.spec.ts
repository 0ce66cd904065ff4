import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAgentsFile } from './agent-catalog.js';

void describe('parseAgentsFile', () => {
  void it('reads agents per tenant from protobuf JSON', () => {
    const parsed = parseAgentsFile(
      JSON.stringify({
        agents: [
          {
            tenant: 'acme',
            agent: {
              name: 'support',
              allowedTools: ['retrieve'],
              budget: { maxSteps: 4, maxWallTime: '30s' },
            },
          },
        ],
      }),
      'agents.json',
    );
    assert.equal(parsed[0]?.tenant, 'acme');
    assert.deepEqual(parsed[0]?.agent.allowedTools, ['retrieve']);
    assert.equal(parsed[0]?.agent.budget?.maxWallTime?.seconds, 30n);
  });

  void it('names the file and entry of what is wrong', () => {
    assert.throws(() => parseAgentsFile('{', 'agents.json'), /agents\.json: not valid JSON/);
    assert.throws(
      () => parseAgentsFile('{"agents":[{"agent":{"name":"x"}}]}', 'agents.json'),
      /agents\.0\.tenant is missing/,
    );
    assert.throws(
      () => parseAgentsFile('{"agents":[{"tenant":"t","agent":{"nmae":"x"}}]}', 'agents.json'),
      /agents\.json: agents\.0\.agent:/,
    );
  });
});
