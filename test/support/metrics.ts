/** Sum of a Prometheus series on a process's `/metrics`, over the samples whose labels include `labels`. */
export async function scrapeMetric(
  httpBase: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number> {
  const text = await (await fetch(`${httpBase}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const sample = parseLabels(match[2] ?? '');
    if (Object.entries(labels).every(([key, value]) => sample[key] === value)) sum += Number(match[3]);
  }
  return sum;
}

/** Whether `/metrics` has a sample of the series at all. */
export async function hasMetric(httpBase: string, name: string): Promise<boolean> {
  const text = await (await fetch(`${httpBase}/metrics`)).text();
  return text.split('\n').some((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[match[1]!] = match[2]!;
  return labels;
}
