// The Helm chart charts/sluice, rendered from the same install charts as manifests/: the
// settings are Helm expressions over the chart's values (HelmExpressions), so the templates are
// manifests/' objects with the values replaced, and `helm template` with default values gives
// manifests/' objects again (the helm e2e test checks it). Names come from the release
// (sluice.fullname), so two releases never share a Lease, Secret or webhook configuration.
// Sluice's CRDs go in crds/: Helm installs them and never deletes them, nor users' Canaries.
// Pure and deterministic; a unit test holds charts/sluice to it.
import { App, type Chart } from 'cdk8s';
import { stringify } from 'yaml';
import { renderCrds } from '../cli/crds.js';
import { HelmExpressions } from './helm-expressions.js';
import { valuesTable, valuesYaml } from './chart-values.js';
import { RbacChart } from './rbac-chart.js';
import { OperatorChart } from './operator-chart.js';
import { WebhooksChart } from './webhooks-chart.js';
import { DASHBOARD_FILE, MonitoringChart, type MonitoringSettings } from './monitoring-chart.js';
import { GENERATED_HEADER, dashboardJson, documentsYaml } from './render.js';
import { SLUICE_NAME, SLUICE_VERSION } from './names.js';
import type { OptionalFeature } from './permissions.js';
import type { EnvVarJson, InstallSettings } from './settings.js';

/** The lowest Kubernetes the chart supports: webhook matchConditions are GA from 1.30. */
export const KUBE_VERSION = '>=1.30.0-0';

type Lines = (key: string | undefined, indent: number) => string[];

/** `key:` with the value at `path` as YAML, or nothing when it is empty. */
const fromValues =
  (path: string, render = 'toYaml .'): Lines =>
  (key, indent) => [`{{- with ${path} }}`, `${key}:`, `  {{- ${render} | nindent ${indent + 2} }}`, '{{- end }}'];

/** An env var when its value is set. */
const optionalEnv =
  (name: string, path: string): Lines =>
  () => [`{{- with ${path} }}`, `- name: ${name}`, '  value: {{ . | quote }}', '{{- end }}'];

/** An env var with a fixed value when a condition holds. */
const fixedEnvIf =
  (condition: string, name: string, value: string): Lines =>
  () => [`{{- if ${condition} }}`, `- name: ${name}`, `  value: ${JSON.stringify(value)}`, '{{- end }}'];

/** The value that turns each optional feature on: it sets the operator's flag and grants the feature's rules. */
const FEATURE_VALUES: Record<OptionalFeature, string> = {
  dashboard: '.Values.dashboard.port',
};

/** The installation settings as Helm expressions over the chart's values. */
export function helmSettings(h: HelmExpressions): InstallSettings {
  return {
    name: h.text('include "sluice.fullname" .'),
    namespace: h.text('.Release.Namespace'),
    appName: h.text('include "sluice.name" .'),
    instance: h.text('.Release.Name'),
    image: `${h.text('.Values.image.repository')}:${h.text('.Values.image.tag')}`,
    imagePullPolicy: h.text('.Values.image.pullPolicy'),
    imagePullSecrets: h.block((key) => ['{{- with .Values.image.pullSecret }}', `${key}:`, '  - name: {{ . | quote }}', '{{- end }}']),
    replicas: h.raw('.Values.leaderElection.replicaCount'),
    leaderElect: h.text('.Values.leaderElection.enabled'),
    metricsServer: h.text('.Values.metricsServer'),
    provider: h.text('.Values.meshProvider'),
    logLevel: h.text('.Values.logLevel'),
    extraEnv: [
      h.block<EnvVarJson>(optionalEnv('SLUICE_NAMESPACE', '.Values.namespace')),
      h.block<EnvVarJson>(optionalEnv('SLUICE_SELECTOR_LABELS', '.Values.selectorLabels')),
      h.block<EnvVarJson>(optionalEnv('SLUICE_INCLUDE_LABEL_PREFIX', '.Values.includeLabelPrefix')),
      h.block<EnvVarJson>(optionalEnv('SLUICE_INGRESS_ANNOTATIONS_PREFIX', '.Values.ingressAnnotationsPrefix')),
      h.block<EnvVarJson>(optionalEnv('SLUICE_INGRESS_CLASS', '.Values.ingressClass')),
      // Only a false turns tracking off: a values file without configTracking keeps Flagger's default.
      h.block<EnvVarJson>(fixedEnvIf('eq (toString .Values.configTracking.enabled) "false"', 'SLUICE_CONFIG_TRACKING', 'false')),
      h.block<EnvVarJson>(fixedEnvIf('.Values.noCrossNamespaceRefs', 'SLUICE_NO_CROSS_NAMESPACE_REFS', 'true')),
      h.block<EnvVarJson>(optionalEnv('EVENT_WEBHOOK_URL', '.Values.eventWebhook')),
      h.block<EnvVarJson>(optionalEnv('SLUICE_CONCURRENCY', '.Values.threadiness')),
      h.block<EnvVarJson>(optionalEnv('SLUICE_CLUSTER_NAME', '.Values.clusterName')),
      h.block<EnvVarJson>(optionalEnv('SLUICE_DASHBOARD_PORT', FEATURE_VALUES.dashboard)),
      h.block<EnvVarJson>(optionalEnv('SLACK_URL', '.Values.slack.url')),
      h.block<EnvVarJson>(optionalEnv('SLACK_CHANNEL', '.Values.slack.channel')),
      h.block<EnvVarJson>(optionalEnv('SLACK_USER', '.Values.slack.user')),
      h.block<EnvVarJson>(optionalEnv('SLACK_PROXY_URL', '.Values.slack.proxyUrl')),
      h.block<EnvVarJson>(optionalEnv('MSTEAMS_URL', '.Values.msteams.url')),
      h.block<EnvVarJson>(optionalEnv('MSTEAMS_PROXY_URL', '.Values.msteams.proxyUrl')),
      h.block<EnvVarJson>((_, indent) => ['{{- with .Values.env }}', `{{- toYaml . | nindent ${indent} }}`, '{{- end }}']),
    ],
    podAnnotations: h.block(fromValues('.Values.podAnnotations')),
    resources: h.block(fromValues('.Values.resources')),
    podSecurityContext: h.block(fromValues('.Values.podSecurityContext')),
    containerSecurityContext: h.block((key, indent) => [
      '{{- if .Values.securityContext.enabled }}',
      `${key}:`,
      `  {{- toYaml .Values.securityContext.context | nindent ${indent + 2} }}`,
      '{{- end }}',
    ]),
    // Through tpl: the default selects this release's pods by Helm expressions (values.yaml).
    affinity: h.block(fromValues('.Values.affinity', 'tpl (toYaml .) $')),
    nodeSelector: h.block(fromValues('.Values.nodeSelector')),
    tolerations: h.block(fromValues('.Values.tolerations')),
    minAvailable: h.raw('.Values.podDisruptionBudget.minAvailable'),
    // The items between two list items that stand for `{{- if <value> }}` and `{{- end }}` lines.
    onlyWith: <T>(feature: OptionalFeature, items: readonly T[]) => [
      h.block<T>(() => [`{{- if ${FEATURE_VALUES[feature]} }}`]),
      ...items,
      h.block<T>(() => ['{{- end }}']),
    ],
  };
}

/** Map entries from the values at `path` (merged into a map the chart already writes). */
const entriesFrom = (h: HelmExpressions, path: string): Record<string, string> => ({
  [h.block<string>((_, indent) => [`{{- with ${path} }}`, `{{- toYaml . | nindent ${indent} }}`, '{{- end }}'])]: '',
});

function helmMonitoring(h: HelmExpressions): MonitoringSettings {
  const namespaceOf = (key: string) => h.text(`.Values.${key}.namespace | default .Release.Namespace`);
  return {
    serviceMonitor: {
      namespace: namespaceOf('serviceMonitor'),
      interval: h.text('.Values.serviceMonitor.interval'),
      honorLabels: h.raw('.Values.serviceMonitor.honorLabels'),
      labels: entriesFrom(h, '.Values.serviceMonitor.additionalLabels'),
    },
    podMonitor: {
      namespace: namespaceOf('podMonitor'),
      interval: h.text('.Values.podMonitor.interval'),
      labels: entriesFrom(h, '.Values.podMonitor.additionalLabels'),
    },
    dashboard: {
      namespace: namespaceOf('grafanaDashboard'),
      labels: entriesFrom(h, '.Values.grafanaDashboard.labels'),
      annotations: h.block<string>(fromValues('.Values.grafanaDashboard.annotations')),
      // The file as it is: its legend formats ({{namespace}}) must not go through the template engine.
      json: h.block((key, indent) => [`${key}: |`, `  {{- $.Files.Get "dashboards/${DASHBOARD_FILE}" | nindent ${indent + 2} }}`]),
    },
  };
}

/** Objects that exist only when a value turns them on. */
const CONDITIONS: Record<string, string> = {
  PodDisruptionBudget: '.Values.podDisruptionBudget.enabled',
  ServiceMonitor: '.Values.serviceMonitor.enabled',
  PodMonitor: '.Values.podMonitor.enabled',
  ConfigMap: '.Values.grafanaDashboard.enabled',
};

function templateYaml(h: HelmExpressions, chart: Chart, prelude: string[] = []): string {
  const objects = chart.toJson() as { kind: string }[];
  const docs = documentsYaml(objects).map((doc, i) => {
    const condition = CONDITIONS[objects[i].kind];
    return condition ? `{{- if ${condition} }}\n${doc}{{- end }}\n` : doc;
  });
  return GENERATED_HEADER + prelude.map((l) => `${l}\n`).join('') + h.toTemplate(docs.join(''));
}

const HELPERS = `{{/* Generated by \`npm run manifests\` from src/install/ - do not edit by hand. */}}

{{/* The chart name, or nameOverride: the app.kubernetes.io/name label. */}}
{{- define "sluice.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Base name of every object of the release: fullnameOverride, or the release name when it
already contains the chart name (release "sluice" gives "sluice"), else <release>-<chart>;
at most 63 characters, the limit of a Service name.
*/}}
{{- define "sluice.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}
`;

const NOTES = `Sluice {{ .Chart.AppVersion }} is installed as {{ include "sluice.fullname" . }} in namespace {{ .Release.Namespace }}.
It watches {{ .Values.namespace | default "all namespaces" }}; default provider {{ .Values.meshProvider }}, default Prometheus {{ .Values.metricsServer }}.

  kubectl -n {{ .Release.Namespace }} rollout status deployment/{{ include "sluice.fullname" . }}
  kubectl get canaries --all-namespaces

The flagger.app CRDs came from the chart's crds/ folder: helm upgrade does not change them and
helm uninstall leaves them, and your Canaries, in place.
`;

/** Guard at the top of the operator template: replicas without an elected leader would all reconcile. */
const REPLICA_GUARD = [
  '{{- if and (not .Values.leaderElection.enabled) (gt (int .Values.leaderElection.replicaCount) 1) }}',
  '{{- fail "leaderElection.replicaCount > 1 needs leaderElection.enabled: replicas without an elected leader would all reconcile" }}',
  '{{- end }}',
];

function chartYaml(): string {
  return (
    GENERATED_HEADER +
    stringify(
      {
        apiVersion: 'v2',
        name: SLUICE_NAME,
        description: "Sluice: progressive delivery for Kubernetes, serving Flagger's flagger.app/v1beta1 Canary API",
        type: 'application',
        version: SLUICE_VERSION,
        appVersion: SLUICE_VERSION,
        kubeVersion: KUBE_VERSION,
        keywords: ['canary', 'progressive-delivery', 'flagger', 'blue-green', 'a/b-testing'],
      },
      { lineWidth: 0 },
    )
  );
}

function readme(): string {
  return `<!-- Generated by \`npm run manifests\` from src/install/ - do not edit by hand. -->
# Sluice Helm chart

Installs the Sluice operator (\`sluice run\`), its RBAC, Service, PodDisruptionBudget and admission
webhook configurations, and the flagger.app CRDs (\`crds/\`), rendered from the same code as
\`manifests/\`: with default values \`helm template\` gives the objects of \`manifests/\` (the
Namespace aside: Helm installs into the release namespace).

\`\`\`sh
helm install sluice charts/sluice --namespace sluice-system --create-namespace
helm upgrade sluice charts/sluice --namespace sluice-system --set meshProvider=linkerd
helm uninstall sluice --namespace sluice-system   # CRDs and Canaries stay
\`\`\`

Every object is named after the release (\`sluice.fullname\`: the release name when it contains
\`sluice\`, else \`<release>-sluice\`), and so are the objects the operator creates or registers: the
Lease \`<fullname>-leader-election\`, the webhook TLS Secret \`<fullname>-webhook-tls\` and the webhook
configurations \`<fullname>-admission\` (the ClusterRole may update only those). The operator makes the
Lease and the Secret at run time, so \`helm uninstall\` leaves those two in the release namespace.

Needs Kubernetes 1.30 or later (webhook match conditions; Chart.yaml \`kubeVersion: ${KUBE_VERSION}\`).
\`helm template\` without a cluster assumes Kubernetes 1.20: give it \`--kube-version\`, e.g.
\`helm template sluice charts/sluice -n sluice-system --kube-version 1.36.3\`.

## Values

${valuesTable()}
`;
}

/** Relative path under charts/sluice/ -> file content. */
export function renderHelmChart(): Record<string, string> {
  const h = new HelmExpressions();
  const s = helmSettings(h);
  const app = new App();
  const files: Record<string, string> = {
    'Chart.yaml': chartYaml(),
    'values.yaml': valuesYaml(GENERATED_HEADER),
    'README.md': readme(),
    [`dashboards/${DASHBOARD_FILE}`]: dashboardJson(),
    'templates/_helpers.tpl': HELPERS,
    'templates/NOTES.txt': NOTES,
    'templates/rbac.yaml': templateYaml(h, new RbacChart(app, 'rbac', s)),
    'templates/operator.yaml': templateYaml(h, new OperatorChart(app, 'operator', s), REPLICA_GUARD),
    'templates/webhooks.yaml': templateYaml(h, new WebhooksChart(app, 'webhooks', s)),
    'templates/monitoring.yaml': templateYaml(h, new MonitoringChart(app, 'monitoring', s, helmMonitoring(h))),
  };
  for (const [file, text] of Object.entries(renderCrds())) files[`crds/${file}`] = text;
  return files;
}
