// Dynatrace: the metrics API v2 (GET <address>/api/v2/metrics/query?metricSelector=&resolution=Inf
// &from=&to=) with `Authorization: Api-Token <token>`. The range is the last ten metric intervals
// in epoch milliseconds, as Flagger asks it; resolution=Inf folds it into one value per series.
import {
  numberOf,
  providerHeaders,
  requireKeys,
  seriesResult,
  type BackendClient,
  type BackendSettings,
  type MetricBackend,
  type SecretKey,
  configError,
} from './backend.js';
import { baseUrlOf, endpointOf, exchange, failure, jsonOf, urlAt } from './exchange.js';

const SECRET_KEYS: readonly SecretKey[] = [
  { name: 'dynatrace_token', required: 'always', what: 'an API token with metrics.read, sent as Authorization: Api-Token' },
];

export const dynatrace: MetricBackend = {
  title: 'Dynatrace',
  secretKeys: SECRET_KEYS,
  window: 'from = now - 10 x interval, to = now (epoch ms), resolution=Inf',
  probe: 'GET /api/v2/metrics?pageSize=1 accepts the token (HTTP 200)',
  manySeries: { rule: 'last', oneSeries: 'merge the dimensions with :splitBy()' },
  connect: (settings) => connectDynatrace(settings),
};

function connectDynatrace(settings: BackendSettings): BackendClient {
  if (!settings.address) throw configError('Dynatrace', '', 'spec.provider.address is required (https://<environment>.live.dynatrace.com)');
  const at = endpointOf('Dynatrace', settings.address);
  requireKeys(at.title, at.address, SECRET_KEYS, settings.secret);
  const base = baseUrlOf(at, settings.address);
  const headers = { accept: 'application/json', ...providerHeaders(settings.headers), authorization: `Api-Token ${settings.secret!.dynatrace_token}` };
  const bounds = { headers, deadlineMs: settings.timeoutMs, maxResponseBytes: settings.maxResponseBytes, insecureSkipVerify: settings.insecureSkipVerify };
  return {
    address: at.address,
    async query(query) {
      const now = Math.trunc(settings.now() / 1000) * 1000;
      const url = urlAt(base, '/api/v2/metrics/query', {
        metricSelector: query.trim(),
        resolution: 'Inf',
        from: String(now - 10 * settings.intervalMs),
        to: String(now),
      });
      const res = await exchange(at, { url, ...bounds });
      const body = jsonOf(at, res) as { result?: unknown };
      if (!Array.isArray(body?.result)) throw failure(at, ' answered without a result list', 'unexpected', res.status);
      // One result per metric selector; each has one data entry per series (dimension tuple).
      // Flagger reads the first selector's series only, and so does Sluice.
      const first = body.result[0] as { metricId?: unknown; data?: unknown } | undefined;
      const series = (Array.isArray(first?.data) ? first.data : []).map((d: { dimensionMap?: unknown; values?: unknown }) => ({
        labels: labelsOf(first?.metricId, d?.dimensionMap),
        value: Array.isArray(d?.values) ? firstValue(d.values) : undefined,
      }));
      return seriesResult(series);
    },
    async probe() {
      await exchange(at, { url: urlAt(base, '/api/v2/metrics', { pageSize: '1' }), ...bounds });
    },
  };
}

function labelsOf(metricId: unknown, dimensions: unknown): Record<string, string> {
  const labels: Record<string, string> = typeof metricId === 'string' ? { metricId } : {};
  if (dimensions && typeof dimensions === 'object') {
    for (const [k, v] of Object.entries(dimensions)) if (typeof v === 'string') labels[k] = v;
  }
  return labels;
}

/** With resolution=Inf a series has one value; null where there was no data. */
function firstValue(values: readonly unknown[]): number | undefined {
  for (const v of values) {
    const n = numberOf(v);
    if (n !== undefined) return n;
  }
  return undefined;
}
