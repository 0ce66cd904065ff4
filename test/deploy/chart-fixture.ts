import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { REPO_ROOT, toolPath } from '../support/repo.js';

/** The chart in the repository. */
export const CHART_DIR = join(REPO_ROOT, 'deploy', 'helm', 'cairn');
/** Kubernetes version the chart is rendered for and validated against (schemas of kubernetes-validate). */
export const KUBERNETES_VERSION = '1.33.0';
export const NAMESPACE = 'cairn';
export const RELEASE = 'cairn';

/** One rendered Kubernetes object (loosely typed: tests read the fields they check). */
export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
};

export interface CommandResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runTool(name: string, args: readonly string[], cwd = REPO_ROOT): CommandResult {
  const result = spawnSync(isAbsolute(name) ? name : toolPath(name), args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The chart as CI can render it. Qdrant's chart is an optional dependency that `helm dependency update`
 * fetches from its Helm repository; without it in charts/ helm refuses to render at all, so the checks
 * run on a copy whose Chart.yaml leaves that entry out (qdrant.enabled is false in every scenario).
 */
export function renderableChart(): string {
  const charts = join(CHART_DIR, 'charts');
  if (existsSync(charts) && readdirSync(charts).some((file) => file.startsWith('qdrant'))) return CHART_DIR;
  const copy = join(mkdtempSync(join(tmpdir(), 'cairn-chart-')), 'cairn');
  cpSync(CHART_DIR, copy, { recursive: true });
  const chart = parse(readFileSync(join(copy, 'Chart.yaml'), 'utf8')) as {
    dependencies?: { name: string }[];
  };
  chart.dependencies = (chart.dependencies ?? []).filter((dependency) => dependency.name !== 'qdrant');
  if (chart.dependencies.length === 0) delete chart.dependencies;
  writeFileSync(join(copy, 'Chart.yaml'), stringify(chart));
  return copy;
}

/** A values scenario: the defaults, or an example file of the chart. */
export interface Scenario {
  readonly name: string;
  readonly valuesFile?: string;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'default values' },
  ...['minimal', 'production', 'all-in-one'].map((name) => ({
    name: `examples/${name}.yaml`,
    valuesFile: join(CHART_DIR, 'examples', `${name}.yaml`),
  })),
];

export function valuesArgs(scenario: Scenario): string[] {
  return scenario.valuesFile ? ['--values', scenario.valuesFile] : [];
}

/** `helm template`; throws with helm's message when rendering fails. */
export function helmTemplate(
  chart: string,
  extraArgs: readonly string[],
): { text: string; manifests: Manifest[] } {
  const result = runTool('helm', [
    'template',
    RELEASE,
    chart,
    '--namespace',
    NAMESPACE,
    '--kube-version',
    KUBERNETES_VERSION,
    ...extraArgs,
  ]);
  if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  const manifests = parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
  return { text: result.stdout, manifests };
}

/**
 * The chart's NOTES.txt as `helm install` prints it after an install (`helm template` leaves NOTES out):
 * rendered on a copy of the chart as the data of a ConfigMap.
 */
export function renderNotes(extraArgs: readonly string[]): string {
  const copy = join(mkdtempSync(join(tmpdir(), 'cairn-notes-')), 'cairn');
  cpSync(renderableChart(), copy, { recursive: true });
  const templates = join(copy, 'templates');
  const notes = readFileSync(join(templates, 'NOTES.txt'), 'utf8');
  writeFileSync(
    join(templates, '_notes-test.tpl'),
    `{{- define "cairn.notesTest" -}}\n${notes}\n{{- end -}}\n`,
  );
  writeFileSync(
    join(templates, 'notes-test.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ include "cairn.notesTest" . | toJson }}\n',
  );
  const { manifests } = helmTemplate(copy, ['--show-only', 'templates/notes-test.yaml', ...extraArgs]);
  return manifests[0]?.data?.['notes'] ?? '';
}

/** A scenario rendered: its manifests and the file holding them (for the command-line checkers). */
export interface Rendered {
  readonly scenario: Scenario;
  readonly file: string;
  readonly manifests: Manifest[];
}

/** Renders every scenario into one directory. */
export function renderScenarios(chart: string): { dir: string; rendered: Rendered[] } {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-rendered-'));
  const rendered = SCENARIOS.map((scenario, index) => {
    const { text, manifests } = helmTemplate(chart, valuesArgs(scenario));
    const file = join(dir, `${index}-${scenario.name.replace(/[^a-z0-9]+/gi, '-')}.yaml`);
    writeFileSync(file, text);
    return { scenario, file, manifests };
  });
  return { dir, rendered };
}
