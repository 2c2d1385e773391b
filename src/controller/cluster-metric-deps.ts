// What metric checks read from the cluster: MetricTemplates and the Secrets they name (decoded),
// with a Prometheus client per address. One set for the analysis gate and the providers check.
import { RESOURCES, type KubeClient } from '../kube/index.js';
import { prometheusClients, type MetricCheckDeps } from '../analysis/run-checks.js';
import type { MetricTemplate } from '../api/types.js';

export function clusterMetricDeps(client: KubeClient): MetricCheckDeps {
  return {
    prometheusFor: prometheusClients(),
    getTemplate: (ref) => client.get<MetricTemplate>(RESOURCES.metricTemplates, ref.name, ref.namespace),
    getSecret: async (namespace, name) => {
      const secret = await client.get<{ data?: Record<string, string> }>(RESOURCES.secrets, name, namespace);
      return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    },
  };
}
