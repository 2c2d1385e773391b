// What one installation of Sluice is called and how its operator runs. manifests/ renders the
// install charts from MANIFEST_SETTINGS; the Helm chart renders the very same charts from
// settings whose every field is a Helm expression (src/install/helm-chart.ts), so both come
// from one source and cannot drift apart.
//
// Object-valued fields are plain JSON (not cdk8s classes): the charts write them as they are, and
// the Helm chart puts a stand-in for a whole block from its values there.
import { METRICS_PORT, SLUICE_IMAGE, SLUICE_NAME, SLUICE_NAMESPACE, operatorSelectorOf } from './names.js';
import type { OptionalFeature } from './permissions.js';

export type Json = Record<string, unknown>;

export interface EnvVarJson {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: Json;
}

export interface InstallSettings {
  /** Base name of every object of the installation (Helm: the release's fullname). */
  readonly name: string;
  readonly namespace: string;
  /** `app.kubernetes.io/name` of the operator's objects (Helm: the chart name). */
  readonly appName: string;
  /** `app.kubernetes.io/instance` (Helm: the release name). */
  readonly instance: string;
  readonly image: string;
  readonly imagePullPolicy: string;
  /** `imagePullSecrets` of the pod; absent when undefined. */
  readonly imagePullSecrets?: readonly Json[];
  readonly replicas: number;
  /** SLUICE_LEADER_ELECT */
  readonly leaderElect: string;
  readonly metricsServer: string;
  readonly provider: string;
  readonly logLevel: string;
  /** Env vars after the fixed ones (Helm: the watch namespace, cluster name, Slack, Teams, `env`). */
  readonly extraEnv: readonly EnvVarJson[];
  readonly podAnnotations?: Readonly<Record<string, string>>;
  readonly resources?: Json;
  readonly podSecurityContext?: Json;
  readonly containerSecurityContext?: Json;
  readonly affinity?: Json;
  readonly nodeSelector?: Json;
  readonly tolerations?: readonly Json[];
  /** minAvailable of the PodDisruptionBudget. */
  readonly minAvailable: number;
  /**
   * `items` (e.g. ClusterRole rules) as they are written where they exist only while `feature` is
   * on: manifests/ turns no feature on and leaves them out; the Helm chart writes them behind the
   * value that turns the feature on.
   */
  readonly onlyWith: <T>(feature: OptionalFeature, items: readonly T[]) => readonly T[];
}

/** Non-root, nothing writable but /tmp, no privileges: shared with the load tester. */
export const restrictedContainerSecurity = {
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

export const restrictedPodSecurity = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };

/** Replicas on different nodes, so one node going away leaves a leader candidate. */
export const spreadOverNodes = (selector: Readonly<Record<string, string>>): Json => ({
  podAntiAffinity: {
    preferredDuringSchedulingIgnoredDuringExecution: [
      {
        weight: 100,
        podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { ...selector } } },
      },
    ],
  },
});

/** The settings of manifests/ and the defaults of the Helm chart's values. */
export const MANIFEST_SETTINGS: InstallSettings = {
  name: SLUICE_NAME,
  namespace: SLUICE_NAMESPACE,
  appName: SLUICE_NAME,
  instance: SLUICE_NAME,
  image: SLUICE_IMAGE,
  imagePullPolicy: 'IfNotPresent',
  replicas: 2,
  leaderElect: 'true',
  metricsServer: 'http://prometheus:9090',
  provider: 'istio',
  logLevel: 'info',
  extraEnv: [],
  podAnnotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(METRICS_PORT) },
  resources: { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  podSecurityContext: restrictedPodSecurity,
  containerSecurityContext: restrictedContainerSecurity,
  affinity: spreadOverNodes(operatorSelectorOf(SLUICE_NAME, SLUICE_NAME)),
  minAvailable: 1,
  // No optional feature: the manifests set no SLUICE_DASHBOARD_PORT.
  onlyWith: () => [],
};
