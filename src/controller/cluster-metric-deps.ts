// What metric checks read from the cluster: MetricTemplates and the Secrets they name (decoded),
// with a Prometheus client per address, and the Kubernetes API for the keptn and externalmetrics
// backends. One set for the analysis gate and the providers check.
import { RESOURCES, type KubeClient } from '../kube/index.js';
import { prometheusClients, type MetricCheckDeps } from '../analysis/run-checks.js';
import type { KubeAccess } from '../analysis/backends/backend.js';
import type { MetricTemplate } from '../api/types.js';

export function clusterMetricDeps(client: KubeClient): MetricCheckDeps {
  return {
    prometheusFor: prometheusClients(),
    getTemplate: (ref) => client.get<MetricTemplate>(RESOURCES.metricTemplates, ref.name, ref.namespace),
    getSecret: async (namespace, name) => {
      const secret = await client.get<{ data?: Record<string, string> }>(RESOURCES.secrets, name, namespace);
      return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    },
    kube: kubeAccess(client),
  };
}

/** Raw API paths on the client's transport, each call within the metric query deadline. */
export function kubeAccess(client: KubeClient, timeoutMs = 5_000): KubeAccess {
  const call = async (method: 'GET' | 'POST' | 'DELETE', pathWithQuery: string, body?: unknown) => {
    const [path, search = ''] = pathWithQuery.split('?', 2);
    const query = Object.fromEntries(new URLSearchParams(search));
    const result = await client.transport.send<unknown>({ method, path, ...(search ? { query } : {}), ...(body !== undefined ? { body } : {}), timeoutMs });
    if (!result.ok) throw result.error;
    return result.data;
  };
  return {
    get: (path) => call('GET', path),
    create: (path, body) => call('POST', path, body),
    delete: async (path) => {
      await call('DELETE', path);
    },
  };
}
