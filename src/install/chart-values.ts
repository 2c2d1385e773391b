// The Helm chart's values: one list gives values.yaml (with each meaning as a comment) and the
// chart README's table. Names follow Flagger's chart wherever they mean the same thing, so a
// Flagger values file mostly carries over. Defaults are manifests/' settings, so the chart with
// default values renders what manifests/ holds.
import { Document, isMap, isScalar, type Pair, type YAMLMap } from 'yaml';
import { SLUICE_IMAGE_REPOSITORY, SLUICE_VERSION } from './names.js';
import { MANIFEST_SETTINGS as M, spreadOverNodes } from './settings.js';

export interface ChartValue {
  /** Dotted path in values.yaml. */
  readonly path: string;
  readonly default: unknown;
  /** What it sets: the comment in values.yaml and the README table. */
  readonly meaning: string;
  /** The default as the README shows it, when the value itself is long. */
  readonly shown?: string;
}

/** The default affinity, written in values.yaml with Helm expressions (rendered through `tpl`). */
const defaultAffinity = spreadOverNodes({
  'app.kubernetes.io/name': '{{ include "sluice.name" . }}',
  'app.kubernetes.io/instance': '{{ .Release.Name }}',
});

export const CHART_VALUES: readonly ChartValue[] = [
  { path: 'image.repository', default: SLUICE_IMAGE_REPOSITORY, meaning: 'operator image' },
  { path: 'image.tag', default: SLUICE_VERSION, meaning: 'operator image tag' },
  { path: 'image.pullPolicy', default: M.imagePullPolicy, meaning: 'image pull policy' },
  { path: 'image.pullSecret', default: '', meaning: 'name of an image pull Secret in the release namespace; empty: none' },
  { path: 'nameOverride', default: '', meaning: 'replaces the chart name in object names and the app.kubernetes.io/name label' },
  { path: 'fullnameOverride', default: '', meaning: 'base name of every object (default: the release name, with -sluice unless it contains sluice)' },
  { path: 'meshProvider', default: M.provider, meaning: 'default provider of Canaries without spec.provider (SLUICE_PROVIDER)' },
  { path: 'metricsServer', default: M.metricsServer, meaning: "default Prometheus URL; a Canary's metricsServer wins (SLUICE_METRICS_SERVER)" },
  { path: 'namespace', default: '', meaning: 'watch only this namespace; empty: all namespaces (SLUICE_NAMESPACE)' },
  {
    path: 'selectorLabels',
    default: '',
    meaning: 'pod labels tried in turn to tell primary from canary pods; empty: app,name,app.kubernetes.io/name (SLUICE_SELECTOR_LABELS)',
  },
  {
    path: 'includeLabelPrefix',
    default: '',
    meaning: "prefixes of the target's labels and annotations copied to the primary; * all, empty none (SLUICE_INCLUDE_LABEL_PREFIX)",
  },
  {
    path: 'ingressAnnotationsPrefix',
    default: '',
    meaning: 'annotation prefix of the NGINX canary Ingress; empty: nginx.ingress.kubernetes.io (SLUICE_INGRESS_ANNOTATIONS_PREFIX)',
  },
  { path: 'ingressClass', default: '', meaning: 'spec.ingressClassName of the Contour HTTPProxy, e.g. contour (SLUICE_INGRESS_CLASS)' },
  {
    path: 'configTracking.enabled',
    default: true,
    meaning: 'copy the ConfigMaps and Secrets the target uses and start a rollout when they change (SLUICE_CONFIG_TRACKING)',
  },
  {
    path: 'noCrossNamespaceRefs',
    default: false,
    meaning: 'a Canary naming a MetricTemplate, AlertProvider or Upstream of another namespace is invalid (SLUICE_NO_CROSS_NAMESPACE_REFS)',
  },
  { path: 'eventWebhook', default: '', meaning: 'URL every Event of a Canary without an event webhook is posted to (EVENT_WEBHOOK_URL)' },
  { path: 'threadiness', default: '', meaning: 'Canaries reconciled at once; empty: 16 (SLUICE_CONCURRENCY)' },
  { path: 'clusterName', default: '', meaning: 'the Cluster field of notifications (SLUICE_CLUSTER_NAME)' },
  {
    path: 'dashboard.port',
    default: '',
    meaning:
      'serve the read-only rollout page on 127.0.0.1:<port> in the pod, for kubectl port-forward (no authentication), and grant the list and watch of Events it needs; empty: off, and not granted (SLUICE_DASHBOARD_PORT)',
  },
  { path: 'logLevel', default: M.logLevel, meaning: 'debug, info, warning (or warn) or error (SLUICE_LOG_LEVEL)' },
  {
    path: 'leaderElection.enabled',
    default: M.leaderElect === 'true',
    meaning: 'Lease leader election: only the leader reconciles, standbys serve admission (SLUICE_LEADER_ELECT)',
  },
  { path: 'leaderElection.replicaCount', default: M.replicas, meaning: 'operator replicas; more than 1 needs leader election' },
  { path: 'slack.url', default: '', meaning: 'Slack incoming webhook of the global notifier (SLACK_URL); for a Secret use env with valueFrom' },
  { path: 'slack.channel', default: '', meaning: 'Slack channel (SLACK_CHANNEL)' },
  { path: 'slack.user', default: '', meaning: 'Slack user name (SLACK_USER)' },
  { path: 'slack.proxyUrl', default: '', meaning: 'proxy of the Slack notifier (SLACK_PROXY_URL)' },
  { path: 'msteams.url', default: '', meaning: 'Microsoft Teams incoming webhook of the global notifier (MSTEAMS_URL)' },
  { path: 'msteams.proxyUrl', default: '', meaning: 'proxy of the Teams notifier (MSTEAMS_PROXY_URL)' },
  { path: 'env', default: [], meaning: 'extra env vars of the operator container, e.g. SLACK_URL from a secretKeyRef' },
  { path: 'podAnnotations', default: M.podAnnotations, meaning: 'annotations of the operator pods', shown: 'prometheus.io/scrape, prometheus.io/port' },
  { path: 'resources', default: M.resources, meaning: 'operator container resources', shown: 'requests 100m/192Mi, limits 1/512Mi' },
  {
    path: 'securityContext.enabled',
    default: true,
    meaning: 'set the container security context below (turn off where the platform assigns users, e.g. OpenShift)',
  },
  {
    path: 'securityContext.context',
    default: M.containerSecurityContext,
    meaning: 'container security context',
    shown: 'uid/gid 65532, non-root, read-only root filesystem, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp',
  },
  { path: 'podSecurityContext', default: M.podSecurityContext, meaning: 'pod security context', shown: 'non-root, RuntimeDefault seccomp' },
  { path: 'nodeSelector', default: {}, meaning: 'node selector of the operator pods' },
  { path: 'tolerations', default: [], meaning: 'tolerations of the operator pods' },
  {
    path: 'affinity',
    default: defaultAffinity,
    meaning: 'affinity of the operator pods (Helm expressions allowed, rendered with tpl)',
    shown: 'replicas preferably on different nodes',
  },
  { path: 'podDisruptionBudget.enabled', default: true, meaning: 'a PodDisruptionBudget for the operator pods' },
  { path: 'podDisruptionBudget.minAvailable', default: M.minAvailable, meaning: 'operator pods kept through voluntary disruptions' },
  { path: 'serviceMonitor.enabled', default: false, meaning: 'a Prometheus Operator ServiceMonitor (monitoring.coreos.com/v1) for /metrics' },
  { path: 'serviceMonitor.namespace', default: '', meaning: 'namespace of the ServiceMonitor; empty: the release namespace' },
  { path: 'serviceMonitor.interval', default: '15s', meaning: 'scrape interval' },
  { path: 'serviceMonitor.honorLabels', default: false, meaning: 'honorLabels of the endpoint' },
  { path: 'serviceMonitor.additionalLabels', default: {}, meaning: 'extra labels, e.g. the one your Prometheus selects monitors by' },
  { path: 'podMonitor.enabled', default: false, meaning: 'a Prometheus Operator PodMonitor (monitoring.coreos.com/v1) for /metrics' },
  { path: 'podMonitor.namespace', default: '', meaning: 'namespace of the PodMonitor; empty: the release namespace' },
  { path: 'podMonitor.interval', default: '15s', meaning: 'scrape interval' },
  { path: 'podMonitor.additionalLabels', default: {}, meaning: 'extra labels, e.g. the one your Prometheus selects monitors by' },
  { path: 'grafanaDashboard.enabled', default: false, meaning: "the Grafana dashboard as a ConfigMap for Grafana's dashboard sidecar" },
  { path: 'grafanaDashboard.namespace', default: '', meaning: 'namespace of the ConfigMap (the one the sidecar watches); empty: the release namespace' },
  { path: 'grafanaDashboard.labels', default: { grafana_dashboard: '1' }, meaning: 'labels the sidecar looks for' },
  { path: 'grafanaDashboard.annotations', default: {}, meaning: 'annotations of the ConfigMap, e.g. grafana_folder' },
];

/** The values as one nested object, in the order of CHART_VALUES. */
export function chartValueDefaults(): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const v of CHART_VALUES) {
    const keys = v.path.split('.');
    let at = root;
    for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
    at[keys[keys.length - 1]] = structuredClone(v.default);
  }
  return root;
}

function pairAt(doc: Document, path: string): Pair {
  let map = doc.contents as YAMLMap;
  const keys = path.split('.');
  for (const [i, k] of keys.entries()) {
    const pair = map.items.find((p) => isScalar(p.key) && p.key.value === k) as Pair | undefined;
    if (!pair) throw new Error(`values.yaml has no ${path}`);
    if (i === keys.length - 1) return pair;
    if (!isMap(pair.value)) throw new Error(`values.yaml: ${keys.slice(0, i + 1).join('.')} is not a map`);
    map = pair.value;
  }
  throw new Error(`values.yaml has no ${path}`);
}

export function valuesYaml(header: string): string {
  const doc = new Document(chartValueDefaults());
  for (const v of CHART_VALUES) (pairAt(doc, v.path).key as { commentBefore?: string }).commentBefore = ` ${v.meaning}`;
  return header + doc.toString({ lineWidth: 0 });
}

const shown = (v: ChartValue) => {
  if (v.shown) return v.shown;
  if (v.default === '') return '`""`';
  return `\`${typeof v.default === 'string' ? v.default : JSON.stringify(v.default)}\``;
};

/** The values as a Markdown table (name, default, meaning). */
export function valuesTable(): string {
  const rows = CHART_VALUES.map((v) => `| \`${v.path}\` | ${shown(v)} | ${v.meaning} |`);
  return ['| value | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
