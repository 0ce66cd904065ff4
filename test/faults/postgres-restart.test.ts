import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { skipKafka } from '../support/repo.js';
import { assertInvariants, faultEnvironment } from './support/fault-environment.js';
import { IngestLoad } from './support/ingest-load.js';

/** Fault 6: PostgreSQL (document registry and audit store) restarts while documents flow. */
void describe('faults: PostgreSQL restarted mid-ingest', { skip: skipKafka() }, () => {
  const env = faultEnvironment({ kafka: 19148, postgres: 15544 });

  void it('refuses with UNAVAILABLE while it is down, then loses and doubles nothing acknowledged', async () => {
    const { topology, ledger } = env;
    const load = new IngestLoad(ledger, topology.tenant(), 'pg');
    try {
      await load.advance(10);
      const before = ledger.failures.length;
      await env.postgres.stop();
      await load.advance(3, 60_000);
      // Down longer than the event handlers' retry budget (5 attempts, about 3 s of backoff).
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      const duringOutage = ledger.failures.length - before;
      await env.postgres.start();
      await load.advance(10, 120_000);
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
      'a database outage is UNAVAILABLE (or the caller’s deadline), never another error',
    );
    await assertInvariants(env);
  });
});
