import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { skipKafka } from '../support/repo.js';
import { assertInvariants, faultEnvironment } from './support/fault-environment.js';
import { IngestLoad } from './support/ingest-load.js';

/** Fault 1: the broker goes away mid-ingest and comes back on its data. */
void describe('faults: Kafka stopped and restarted mid-ingest', { skip: skipKafka() }, () => {
  const env = faultEnvironment({ kafka: 19140, postgres: 15540 });

  void it('acknowledges or refuses with UNAVAILABLE, then everything acknowledged is searchable exactly once', async () => {
    const { topology, ledger } = env;
    const load = new IngestLoad(ledger, topology.tenant(), 'broker');
    try {
      await load.advance(12);
      const before = ledger.failures.length;
      await env.kafka.stop();
      // Calls made while the broker is down: each is acknowledged or refused with a retryable status.
      await load.advance(3, 120_000);
      const duringOutage = ledger.failures.length - before;
      await env.kafka.start();
      await load.advance(12, 120_000);
      assert.ok(duringOutage > 0, 'the outage was seen by Ingest');
    } finally {
      await load.stop();
    }
    await ledger.settle();
    assert.deepEqual(
      [...new Set(ledger.failures.map((f) => `${f.code} ${f.reason}`))].filter(
        (code) => !code.startsWith('UNAVAILABLE') && !code.startsWith('DEADLINE_EXCEEDED'),
      ),
      [],
      'a broker outage is UNAVAILABLE (or the caller’s deadline), never another error',
    );
    await assertInvariants(env);
  });
});
