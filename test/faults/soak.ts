import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../support/repo.js';
import { AckLedger } from './support/ack-ledger.js';
import { assertAuditTrail } from './support/audit-check.js';
import { distinctDeadLetters, readDeadLetters } from './support/dlq-reader.js';
import { assertExactlyOnce } from './support/exactly-once.js';
import { startOwnedKafka, startOwnedPostgres, type OwnedDependency } from './support/fault-infra.js';
import { FaultTopology } from './support/fault-topology.js';
import { IngestLoad } from './support/ingest-load.js';

/**
 * `npm run soak`: kill/restart cycles while documents are ingested without pause, the exactly-once
 * invariant checked after each cycle. Stops at the first violation, after `--cycles` cycles or after
 * `--minutes`, whichever comes first; prints and writes (`--out`, default docs/bench/soak.json) how
 * many cycles it survived.
 *   npm run soak -- [--cycles N] [--minutes M] [--broker-every K] [--out file] [--kafka-port P] [--pg-port P]
 * Each cycle SIGKILLs a service (each once per round, in random order; every K-th cycle the broker is
 * stopped and started instead, 0 = never), restarts it, settles the unacknowledged calls and checks: every acknowledged document
 * searchable exactly once, the DLQ empty, the audit chain verifying with every indexing recorded once.
 */
const { values: args } = parseArgs({
  options: {
    cycles: { type: 'string', default: '1000000' },
    minutes: { type: 'string', default: '10' },
    'broker-every': { type: 'string', default: '5' },
    out: { type: 'string', default: 'docs/bench/soak.json' },
    'kafka-port': { type: 'string', default: '19140' },
    'pg-port': { type: 'string', default: '15540' },
  },
});

interface CycleResult {
  readonly cycle: number;
  readonly fault: string;
  readonly acknowledged: number;
  readonly failedCalls: number;
  readonly seconds: number;
  readonly violation?: string;
}

const maxCycles = Number(args.cycles);
const deadline = Date.now() + Number(args.minutes) * 60_000;
const brokerEvery = Number(args['broker-every']);
const log = (message: string): void => void process.stdout.write(`soak: ${message}\n`);

/** Pause between Ingest calls: steady load, and a ledger the per-cycle check gets through in time. */
const LOAD_PAUSE_MS = 200;

/** The services in random order: every round of cycles kills each of them once. */
function shuffled(services: readonly string[]): string[] {
  const order = [...services];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j] as string, order[i] as string];
  }
  return order;
}

async function injectFault(fault: string, topology: FaultTopology, kafka: OwnedDependency): Promise<void> {
  if (fault === 'kafka') {
    await kafka.stop();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await kafka.start();
  } else {
    await topology.kill(fault);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await topology.revive(fault);
  }
}

/** The invariants after a cycle; a string naming what broke, or undefined. */
async function violation(
  topology: FaultTopology,
  ledger: AckLedger,
  brokers: string,
): Promise<string | undefined> {
  try {
    await ledger.settle();
    await assertExactlyOnce(topology, ledger, 180_000);
    const letters = distinctDeadLetters(await readDeadLetters(brokers));
    if (letters.length > 0)
      return `dead letters: ${letters.map((l) => `${l.originalTopic} ${l.group}: ${l.cause}`).join('; ')}`;
    await assertAuditTrail(topology.tenant(), ledger, 120_000);
    const crashed = topology.crashed();
    if (crashed.length > 0) return `crashed: ${crashed.join(', ')}`;
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

async function main(): Promise<void> {
  const started = new Date();
  const kafka = await startOwnedKafka(Number(args['kafka-port']));
  let postgres: OwnedDependency | undefined;
  let topology: FaultTopology | undefined;
  const results: CycleResult[] = [];
  const stop = async (): Promise<void> => {
    await topology?.stop();
    await Promise.allSettled([kafka.dispose(), postgres?.dispose()]);
  };
  process.once('SIGINT', () => void stop().finally(() => process.exit(130)));
  try {
    postgres = await startOwnedPostgres(Number(args['pg-port']));
    topology = await FaultTopology.start({ brokers: kafka.address, postgresUrl: postgres.address });
    const ledger = new AckLedger();
    const clients = topology.tenant();
    log(`topology up (${topology.services.join(', ')}), logs in ${topology.runDir}`);
    const victims: string[] = [];
    for (let cycle = 1; cycle <= maxCycles && Date.now() < deadline; cycle++) {
      const begun = Date.now();
      if (victims.length === 0) victims.push(...shuffled(topology.services));
      const fault = brokerEvery > 0 && cycle % brokerEvery === 0 ? 'kafka' : (victims.shift() ?? 'ingestion');
      const load = new IngestLoad(ledger, clients, `soak-c${cycle}`, LOAD_PAUSE_MS);
      let broken: string | undefined;
      try {
        await load.advance(6, 120_000);
        await injectFault(fault, topology, kafka);
        await load.advance(6, 180_000);
      } catch (error) {
        broken = `during the fault: ${error instanceof Error ? error.message : String(error)}`;
      } finally {
        await load.stop().catch((error: unknown) => {
          broken ??= `load: ${error instanceof Error ? error.message : String(error)}`;
        });
      }
      broken ??= await violation(topology, ledger, kafka.address);
      const result: CycleResult = {
        cycle,
        fault,
        acknowledged: ledger.size,
        failedCalls: ledger.failures.length,
        seconds: Math.round((Date.now() - begun) / 100) / 10,
        ...(broken ? { violation: broken } : {}),
      };
      results.push(result);
      log(
        `cycle ${cycle}: ${fault} ${broken ? `VIOLATION ${broken}` : 'ok'} (${ledger.size} documents, ${result.seconds} s)`,
      );
      if (broken) break;
    }
  } finally {
    await stop();
  }
  const survived = results.filter((r) => !r.violation).length;
  const report = {
    startedAt: started.toISOString(),
    minutes: Math.round((Date.now() - started.getTime()) / 6_000) / 10,
    cyclesRun: results.length,
    cyclesSurvived: survived,
    violation: results.find((r) => r.violation)?.violation ?? null,
    faults: Object.fromEntries(
      [...new Set(results.map((r) => r.fault))].map((f) => [f, results.filter((r) => r.fault === f).length]),
    ),
    documentsAcknowledged: results.at(-1)?.acknowledged ?? 0,
    cycles: results,
  };
  const out = resolve(REPO_ROOT, args.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  log(`survived ${survived} of ${results.length} cycles in ${report.minutes} min; wrote ${out}`);
  if (report.violation) process.exitCode = 1;
}

await main();
