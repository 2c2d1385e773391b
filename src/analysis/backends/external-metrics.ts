// Kubernetes external metrics: GET /apis/external.metrics.k8s.io/v1beta1/namespaces/<ns>/<metric>
// ?labelSelector=..., served by whichever adapter an APIService registers (KEDA, a Datadog or
// CloudWatch adapter, ...). The query is "[<namespace>/]<metric>[?labelSelector=<selector>]"
// (namespace default "default"). By default through the operator's own Kubernetes API access;
// with spec.provider.address, that server, with the secret's `token` as bearer token.
import { configError, providerHeaders, seriesResult, type BackendClient, type BackendSettings, type MetricBackend } from './backend.js';
import { baseUrlOf, endpointOf, exchange, failure, jsonOf, urlAt } from './exchange.js';
import { MetricsProviderError } from '../prometheus.js';

const API = '/apis/external.metrics.k8s.io/v1beta1';

export const externalmetrics: MetricBackend = {
  title: 'Kubernetes external metrics',
  secretKeys: [{ name: 'token', required: false, what: 'a bearer token, with spec.provider.address' }],
  window: 'none: the adapter decides what its current value covers',
  probe: 'listing dummy-metric in kube-system answers without an error',
  manySeries: { rule: 'first', oneSeries: 'narrow the labelSelector to one series' },
  connect: (settings) => connectExternalMetrics(settings),
};

export interface ExternalMetricQuery {
  readonly namespace: string;
  readonly metric: string;
  readonly labelSelector?: string;
}

export function parseExternalMetricQuery(query: string): ExternalMetricQuery {
  const trimmed = query.trim();
  const [pathPart, search = ''] = trimmed.split('?', 2);
  const parts = pathPart.replace(/^\//, '').split('/');
  if (parts.length > 2)
    throw new Error(`invalid external metrics query ${JSON.stringify(trimmed)}: expected [<namespace>/]<metric>[?labelSelector=<selector>]`);
  const [namespace, metric] = parts.length === 2 ? [parts[0] || 'default', parts[1]] : ['default', parts[0]];
  if (!metric) throw new Error(`invalid external metrics query ${JSON.stringify(trimmed)}: the metric name is empty`);
  const labelSelector = new URLSearchParams(search).get('labelSelector') || undefined;
  return { namespace, metric, ...(labelSelector ? { labelSelector } : {}) };
}

function connectExternalMetrics(settings: BackendSettings): BackendClient {
  const where = settings.address
    ? endpointOf('Kubernetes external metrics', settings.address)
    : { title: 'Kubernetes external metrics', address: 'the Kubernetes API' };
  let list: (q: ExternalMetricQuery) => Promise<unknown>;
  if (settings.address) {
    const base = baseUrlOf(where, settings.address);
    const headers: Record<string, string> = { accept: 'application/json', ...providerHeaders(settings.headers) };
    if (settings.secret?.token) headers.authorization = `Bearer ${settings.secret.token}`;
    list = async (q) =>
      jsonOf(
        where,
        await exchange(where, {
          url: urlAt(
            base,
            `${API}/namespaces/${encodeURIComponent(q.namespace)}/${encodeURIComponent(q.metric)}`,
            q.labelSelector ? { labelSelector: q.labelSelector } : {},
          ),
          headers,
          deadlineMs: settings.timeoutMs,
          maxResponseBytes: settings.maxResponseBytes,
          insecureSkipVerify: settings.insecureSkipVerify,
        }),
      );
  } else {
    const kube = settings.kube;
    if (!kube) throw configError(where.title, '', 'needs the Kubernetes API (run against a cluster) or spec.provider.address');
    list = async (q) => {
      const search = q.labelSelector ? `?labelSelector=${encodeURIComponent(q.labelSelector)}` : '';
      try {
        return await kube.get(`${API}/namespaces/${encodeURIComponent(q.namespace)}/${encodeURIComponent(q.metric)}${search}`);
      } catch (err) {
        throw new MetricsProviderError(`${where.title}: ${(err as Error).message}`, 'http', where.address);
      }
    };
  }
  return {
    address: where.address,
    async query(query) {
      let parsed: ExternalMetricQuery;
      try {
        parsed = parseExternalMetricQuery(query);
      } catch (err) {
        throw new MetricsProviderError(`${where.title}: ${(err as Error).message}`, 'bad-query', where.address);
      }
      const body = (await list(parsed)) as { items?: unknown };
      if (!Array.isArray(body?.items)) throw failure(where, ' answered without an items list', 'unexpected');
      return seriesResult(
        body.items.map((item: { metricName?: unknown; metricLabels?: unknown; value?: unknown }) => ({
          labels: { ...(item?.metricLabels && typeof item.metricLabels === 'object' ? (item.metricLabels as Record<string, string>) : {}) },
          value: typeof item?.value === 'string' ? parseQuantity(item.value) : undefined,
        })),
      );
    },
    async probe() {
      await list({ namespace: 'kube-system', metric: 'dummy-metric' });
    },
  };
}

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity ("1500m", "2k", "1Gi", "1.5e3") as a number; undefined when malformed. */
export function parseQuantity(text: string): number | undefined {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/.exec(text.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return Number(`${m[1]}${m[2]}`);
  return base * SUFFIX[m[3] ?? ''];
}
