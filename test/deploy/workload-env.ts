import type { Manifest } from './chart-fixture.js';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
  };
}
interface Container {
  name: string;
  args?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  ports?: { name?: string; containerPort: number }[];
}
interface PodSpec {
  containers: Container[];
  volumes?: { name: string }[];
}

/** What one container of a rendered workload gets: its command and every variable, with its source. */
export interface ContainerEnv {
  readonly workload: string;
  /** The image's command: `ingestion`, …, `all-in-one`, `ensure-topics`. */
  readonly command: string;
  /** Literal values (from the manifest or a ConfigMap). */
  readonly values: ReadonlyMap<string, string>;
  /** Variables taken from a Secret: name → `secret/key`. */
  readonly fromSecrets: ReadonlyMap<string, string>;
  readonly mounts: readonly { mountPath: string; readOnly: boolean }[];
  /** Container ports by name. */
  readonly ports: ReadonlyMap<string, number>;
}

function podSpecOf(manifest: Manifest): PodSpec | undefined {
  const spec = manifest.spec as { template?: { spec?: PodSpec } } | undefined;
  return manifest.kind === 'Deployment' || manifest.kind === 'Job' ? spec?.template?.spec : undefined;
}

/** Resolves every workload container's environment, following envFrom into the rendered ConfigMaps. */
export function containerEnvs(manifests: readonly Manifest[]): ContainerEnv[] {
  const configMaps = new Map(
    manifests.filter((m) => m.kind === 'ConfigMap').map((m) => [m.metadata.name, m.data ?? {}]),
  );
  const result: ContainerEnv[] = [];
  for (const manifest of manifests) {
    const pod = podSpecOf(manifest);
    if (!pod) continue;
    for (const container of pod.containers) {
      const values = new Map<string, string>();
      const fromSecrets = new Map<string, string>();
      for (const source of container.envFrom ?? []) {
        if (source.secretRef)
          throw new Error(`${manifest.metadata.name}: envFrom a whole Secret hides its keys`);
        const name = source.configMapRef?.name ?? '';
        const data = configMaps.get(name);
        if (!data)
          throw new Error(`${manifest.metadata.name}: envFrom names ConfigMap ${name}, not rendered`);
        for (const [key, value] of Object.entries(data)) values.set(key, value);
      }
      for (const variable of container.env ?? []) {
        const secret = variable.valueFrom?.secretKeyRef;
        if (secret) fromSecrets.set(variable.name, `${secret.name}/${secret.key}`);
        else if (variable.value !== undefined) values.set(variable.name, variable.value);
        else
          throw new Error(`${manifest.metadata.name}: ${variable.name} has a source the test does not know`);
      }
      result.push({
        workload: `${manifest.kind}/${manifest.metadata.name}`,
        command: container.args?.[0] ?? '',
        values,
        fromSecrets,
        mounts: (container.volumeMounts ?? []).map((mount) => ({
          mountPath: mount.mountPath,
          readOnly: mount.readOnly ?? false,
        })),
        ports: new Map((container.ports ?? []).map((port) => [port.name ?? '', port.containerPort])),
      });
    }
  }
  return result;
}

/** True when `path` lies inside one of the container's volume mounts (optionally a writable one). */
export function isMounted(env: ContainerEnv, path: string, writable = false): boolean {
  return env.mounts.some(
    (mount) =>
      (path === mount.mountPath || path.startsWith(`${mount.mountPath}/`)) && (!writable || !mount.readOnly),
  );
}
