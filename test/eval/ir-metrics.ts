/** Graded relevance judgements of one query: document id → grade (> 0 is relevant). */
export type Judgements = ReadonlyMap<string, number>;

/** nDCG@k with graded gains (2^rel - 1) and log2 discounts, as in BEIR / trec_eval. */
export function ndcgAt(ranked: readonly string[], judged: Judgements, k: number): number {
  let dcg = 0;
  for (const [index, id] of ranked.slice(0, k).entries()) {
    const grade = judged.get(id) ?? 0;
    if (grade > 0) dcg += (2 ** grade - 1) / Math.log2(index + 2);
  }
  const ideal = [...judged.values()]
    .filter((grade) => grade > 0)
    .sort((a, b) => b - a)
    .slice(0, k);
  const idcg = ideal.reduce((sum, grade, index) => sum + (2 ** grade - 1) / Math.log2(index + 2), 0);
  return idcg === 0 ? 0 : dcg / idcg;
}

/** Share of the relevant documents found in the first k. */
export function recallAt(ranked: readonly string[], judged: Judgements, k: number): number {
  const relevant = [...judged].filter(([, grade]) => grade > 0).map(([id]) => id);
  if (relevant.length === 0) return 0;
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

/** Reciprocal rank of the first relevant document within the first k (0 if none). */
export function mrrAt(ranked: readonly string[], judged: Judgements, k: number): number {
  const index = ranked.slice(0, k).findIndex((id) => (judged.get(id) ?? 0) > 0);
  return index < 0 ? 0 : 1 / (index + 1);
}
