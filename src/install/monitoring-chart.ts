// Optional monitoring of an installation: a Prometheus Operator ServiceMonitor and PodMonitor
// for the operator's /metrics, and the Grafana dashboard as a ConfigMap for Grafana's dashboard
// sidecar. Only the Helm chart renders them (each behind its own `enabled` value).
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import type { Construct } from 'constructs';
import { commonLabels, operatorLabelsOf, operatorSelectorOf } from './names.js';
import type { InstallSettings } from './settings.js';

export const DASHBOARD_FILE = 'sluice-canaries.json';

export interface MonitoringSettings {
  readonly serviceMonitor: { readonly namespace: string; readonly interval: string; readonly honorLabels: boolean; readonly labels: Record<string, string> };
  readonly podMonitor: { readonly namespace: string; readonly interval: string; readonly labels: Record<string, string> };
  /** `json`: the dashboard (src/install/dashboard.ts) as text. */
  readonly dashboard: {
    readonly namespace: string;
    readonly labels: Record<string, string>;
    readonly annotations?: Record<string, string> | string;
    readonly json: string;
  };
}

export class MonitoringChart extends Chart {
  constructor(scope: Construct, id: string, s: InstallSettings, m: MonitoringSettings) {
    super(scope, id);
    const labels = operatorLabelsOf(s.appName, s.instance);
    const selector = { matchLabels: operatorSelectorOf(s.appName, s.instance) };
    const namespaceSelector = { matchNames: [s.namespace] };
    // Port by name: the Service and the pod both call the metrics port http-metrics.
    const endpoint = { port: 'http-metrics', path: '/metrics' };
    new ApiObject(this, 'service-monitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: s.name, namespace: m.serviceMonitor.namespace, labels: { ...labels, ...m.serviceMonitor.labels } },
      spec: {
        endpoints: [{ ...endpoint, interval: m.serviceMonitor.interval, honorLabels: m.serviceMonitor.honorLabels }],
        namespaceSelector,
        selector,
      },
    });
    new ApiObject(this, 'pod-monitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: s.name, namespace: m.podMonitor.namespace, labels: { ...labels, ...m.podMonitor.labels } },
      spec: {
        podMetricsEndpoints: [{ ...endpoint, interval: m.podMonitor.interval }],
        namespaceSelector,
        selector,
      },
    });
    const dashboard = new ApiObject(this, 'grafana-dashboard', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: `${s.name}-grafana-dashboard`,
        namespace: m.dashboard.namespace,
        labels: { ...commonLabels, 'app.kubernetes.io/instance': s.instance, ...m.dashboard.labels },
      },
      data: { [DASHBOARD_FILE]: m.dashboard.json },
    });
    // As JSON after synthesis: cdk8s rebuilds metadata maps entry by entry and would take apart
    // the stand-in the Helm chart puts here for the annotations from its values.
    if (m.dashboard.annotations) dashboard.addJsonPatch(JsonPatch.add('/metadata/annotations', m.dashboard.annotations));
  }
}
