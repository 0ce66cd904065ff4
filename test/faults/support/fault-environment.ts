import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { AckLedger } from './ack-ledger.js';
import { assertAuditTrail } from './audit-check.js';
import { distinctDeadLetters, readDeadLetters, type DeadLetter } from './dlq-reader.js';
import { assertExactlyOnce } from './exactly-once.js';
import { startOwnedKafka, startOwnedPostgres, type OwnedDependency } from './fault-infra.js';
import { FaultTopology, type FaultTopologyOptions } from './fault-topology.js';

/** Ports a scenario file owns: Kafka in 19140–19149 (and port + 1), PostgreSQL in 15540–15549. */
export interface FaultPorts {
  readonly kafka: number;
  readonly postgres: number;
}

/** What a scenario works with; valid inside its tests (after `before`). */
export interface FaultEnvironment {
  readonly kafka: OwnedDependency;
  readonly postgres: OwnedDependency;
  readonly topology: FaultTopology;
  readonly ledger: AckLedger;
}

/**
 * Registers `before`/`after` hooks that give the enclosing `describe` its own Kafka, PostgreSQL and
 * topology, stopped and removed afterwards even when a test failed. `options` may be a function,
 * read when the topology starts (after the `before` hooks registered earlier ran).
 */
export function faultEnvironment(
  ports: FaultPorts,
  options:
    | Omit<FaultTopologyOptions, 'brokers' | 'postgresUrl'>
    | (() => Omit<FaultTopologyOptions, 'brokers' | 'postgresUrl'>) = {},
): FaultEnvironment {
  let kafka: OwnedDependency | undefined;
  let postgres: OwnedDependency | undefined;
  let topology: FaultTopology | undefined;
  const ledger = new AckLedger();
  before(async () => {
    [kafka, postgres] = await Promise.all([startOwnedKafka(ports.kafka), startOwnedPostgres(ports.postgres)]);
    topology = await FaultTopology.start({
      ...(typeof options === 'function' ? options() : options),
      brokers: kafka.address,
      postgresUrl: postgres.address,
    });
  });
  after(async () => {
    await topology?.stop();
    await Promise.allSettled([kafka?.dispose(), postgres?.dispose()]);
  });
  const required = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} did not start`);
    return value;
  };
  return {
    get kafka() {
      return required(kafka, 'Kafka');
    },
    get postgres() {
      return required(postgres, 'PostgreSQL');
    },
    get topology() {
      return required(topology, 'the topology');
    },
    ledger,
  };
}

/**
 * The invariants every scenario ends on: each acknowledged document searchable exactly once, the
 * DLQ holding exactly what `deadLetters` accepts (nothing by default; one letter per record and group), the audit chain verifying
 * with every indexing recorded once, and no service that died on its own.
 */
export async function assertInvariants(
  env: FaultEnvironment,
  deadLetters: (letters: readonly DeadLetter[]) => void = (letters) =>
    assert.deepEqual(
      letters.map((l) => `${l.originalTopic} ${l.group}: ${l.cause}`),
      [],
      'the DLQ is empty: no poison was sent',
    ),
): Promise<void> {
  const { topology, ledger } = env;
  await assertExactlyOnce(topology, ledger);
  deadLetters(distinctDeadLetters(await readDeadLetters(env.kafka.address)));
  for (const tenant of new Set(ledger.documents.map((doc) => doc.tenant))) {
    await assertAuditTrail(topology.tenant(tenant), ledger);
  }
  assert.deepEqual(topology.crashed(), [], `no service exited on its own (logs in ${topology.runDir})`);
}
