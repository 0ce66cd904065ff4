import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { dot } from '../embedding-provider.port.js';
import { modelTestGate } from '../testing/model-dir.js';
import { LocalEmbeddingProvider } from './local.embedding-provider.js';

interface ReferenceVectors {
  readonly cases: readonly { readonly text: string; readonly onnx: number[]; readonly fp32: number[] }[];
}

// Python references (see the fixture's note): the same ONNX file on Python onnxruntime, and the
// original fp32 weights run through a numpy BERT forward pass.
const reference = JSON.parse(
  readFileSync(new URL('../../src/providers/local.reference-vectors.json', import.meta.url), 'utf8'),
) as ReferenceVectors;

const gate = modelTestGate();

describe('LocalEmbeddingProvider (all-MiniLM-L6-v2 ONNX)', { skip: gate.skip }, () => {
  let provider: LocalEmbeddingProvider;
  before(async () => {
    if (gate.missingError) throw gate.missingError;
    provider = await LocalEmbeddingProvider.create({ modelDir: gate.modelDir, batchSize: 4 });
  });
  after(async () => provider?.close());

  it('returns unit vectors of dimension 384 in input order', async () => {
    const texts = ['short', 'a somewhat longer sentence about databases', 'mid length text'];
    const vectors = await provider.embed(texts);
    assert.equal(provider.model.dimension, 384);
    assert.equal(vectors.length, 3);
    for (const v of vectors) {
      assert.equal(v.length, 384);
      assert.ok(Math.abs(dot(v, v) - 1) < 1e-4);
    }
    const [alone] = await provider.embed([texts[1]!]);
    assert.ok(dot(alone!, vectors[1]!) > 0.9999, 'batching and padding must not change a vector');
  });

  it('scores paraphrases above unrelated sentences', async () => {
    const [a, b, c, d] = await provider.embed([
      'How do I reset my password?',
      'What are the steps to change my account password?',
      'The recipe needs two cups of flour and an egg.',
      'Kafka partitions are replicated across brokers.',
    ]);
    const para = dot(a!, b!);
    assert.ok(para > 0.6, `paraphrase cosine ${para}`);
    assert.ok(para > dot(a!, c!) + 0.3, `paraphrase ${para} vs unrelated ${dot(a!, c!)}`);
    assert.ok(para > dot(a!, d!) + 0.3, `paraphrase ${para} vs unrelated ${dot(a!, d!)}`);
  });

  it('matches the Python reference vectors (cosine >= 0.99)', async () => {
    const vectors = await provider.embed(reference.cases.map((c) => c.text));
    reference.cases.forEach((c, i) => {
      const onnx = dot(vectors[i]!, Float32Array.from(c.onnx));
      const fp32 = dot(vectors[i]!, Float32Array.from(c.fp32));
      assert.ok(onnx >= 0.999, `case ${i}: cosine to the same model on Python ${onnx}`);
      assert.ok(fp32 >= 0.99, `case ${i}: cosine to the original fp32 weights ${fp32}`);
    });
  });

  it('truncates texts longer than maxTokens instead of failing', async () => {
    const long = 'retrieval '.repeat(1000);
    const [v] = await provider.embed([long]);
    assert.equal(v!.length, 384);
  });

  it('rejects with the abort reason when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(provider.embed(['x'], { signal: controller.signal }), /stop/);
  });
});

describe('LocalEmbeddingProvider.create', () => {
  it('names the missing file and the fetch script', async () => {
    await assert.rejects(
      LocalEmbeddingProvider.create({ modelDir: '/nonexistent/model-dir' }),
      /model\.onnx.*fetch-model\.sh/,
    );
  });
});
