import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { skipKafka } from '../support/repo.js';
import { assertInvariants, faultEnvironment } from './support/fault-environment.js';
import { IngestLoad } from './support/ingest-load.js';

/** Fault 2: each service is SIGKILLed while documents flow, then started again on its data. */
void describe('faults: SIGKILL of each service mid-work, then restart', { skip: skipKafka() }, () => {
  const env = faultEnvironment({ kafka: 19142, postgres: 15541 });

  void it('loses and doubles nothing acknowledged, whichever service dies', async () => {
    const { topology, ledger } = env;
    const load = new IngestLoad(ledger, topology.tenant(), 'kill');
    const killed: string[] = [];
    try {
      await load.advance(8);
      for (const service of topology.services) {
        await load.advance(3, 120_000);
        await topology.kill(service);
        killed.push(service);
        await load.advance(2, 120_000);
        await topology.revive(service);
      }
      await load.advance(6, 120_000);
    } finally {
      await load.stop();
    }
    assert.deepEqual(killed, topology.services, 'every service was killed once');
    await ledger.settle();
    const codes = new Set(ledger.failures.map((f) => f.code));
    assert.deepEqual(
      [...codes].filter((code) => code !== 'UNAVAILABLE' && code !== 'DEADLINE_EXCEEDED'),
      [],
      'a dead ingestion process is UNAVAILABLE to its callers',
    );
    await assertInvariants(env);
  });
});
