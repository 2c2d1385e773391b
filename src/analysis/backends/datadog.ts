// Datadog: the timeseries query API (GET <address>/api/v1/query?query=&from=&to=) with the API
// and application keys in headers. The range is the last ten metric intervals, as Flagger asks
// it, and a series is worth its oldest point: the newest bucket is usually still filling.
import {
  numberOf,
  providerHeaders,
  requireKeys,
  seriesResult,
  type BackendClient,
  type BackendSettings,
  type MetricBackend,
  type SecretKey,
} from './backend.js';
import { baseUrlOf, endpointOf, exchange, failure, jsonOf, urlAt } from './exchange.js';

export const DATADOG_DEFAULT_ADDRESS = 'https://api.datadoghq.com';

const SECRET_KEYS: readonly SecretKey[] = [
  { name: 'datadog_api_key', required: 'always', what: 'the API key, sent as DD-API-KEY' },
  { name: 'datadog_application_key', required: 'always', what: 'the application key, sent as DD-APPLICATION-KEY' },
];

export const datadog: MetricBackend = {
  title: 'Datadog',
  secretKeys: SECRET_KEYS,
  defaultAddress: DATADOG_DEFAULT_ADDRESS,
  window: 'from = now - 10 x interval, to = now (Unix seconds); the oldest point of the series',
  probe: 'GET /api/v1/validate accepts the keys (HTTP 200)',
  manySeries: { rule: 'first', oneSeries: 'drop the by {...} grouping' },
  connect: (settings) => connectDatadog(settings),
};

function connectDatadog(settings: BackendSettings): BackendClient {
  const address = settings.address ?? DATADOG_DEFAULT_ADDRESS;
  const at = endpointOf('Datadog', address);
  requireKeys(at.title, at.address, SECRET_KEYS, settings.secret);
  const base = baseUrlOf(at, address);
  const headers = {
    accept: 'application/json',
    ...providerHeaders(settings.headers),
    'DD-API-KEY': settings.secret!.datadog_api_key,
    'DD-APPLICATION-KEY': settings.secret!.datadog_application_key,
  };
  const bounds = { headers, deadlineMs: settings.timeoutMs, maxResponseBytes: settings.maxResponseBytes, insecureSkipVerify: settings.insecureSkipVerify };
  const fromDeltaSeconds = Math.trunc((10 * settings.intervalMs) / 1000);
  return {
    address: at.address,
    async query(query) {
      const now = Math.trunc(settings.now() / 1000);
      const url = urlAt(base, '/api/v1/query', { query, from: String(now - fromDeltaSeconds), to: String(now) });
      const res = await exchange(at, { url, ...bounds });
      const body = jsonOf(at, res) as { series?: unknown; status?: unknown; error?: unknown };
      if (body?.status === 'error') throw failure(at, ` rejected the query: ${String(body.error ?? '')}`, 'bad-query', res.status);
      if (!Array.isArray(body?.series)) throw failure(at, ' answered without a series list', 'unexpected', res.status);
      return seriesResult(
        body.series.map((s: { scope?: unknown; expression?: unknown; pointlist?: unknown }) => ({
          labels: { ...(typeof s?.expression === 'string' ? { expression: s.expression } : {}), ...(typeof s?.scope === 'string' ? { scope: s.scope } : {}) },
          value: oldestValue(s?.pointlist),
        })),
      );
    },
    async probe() {
      await exchange(at, { url: urlAt(base, '/api/v1/validate'), ...bounds });
    },
  };
}

/** The first [timestamp, value] pair that has a value. */
function oldestValue(points: unknown): number | undefined {
  if (!Array.isArray(points)) return undefined;
  for (const point of points) {
    const value = Array.isArray(point) ? numberOf(point[1]) : undefined;
    if (value !== undefined) return value;
  }
  return undefined;
}
