// Graphite: the render API (GET <address>/render?<query>&format=json). The query is the render
// parameters themselves (`target=...&from=-{{ interval }}`), so the interval reaches Graphite only
// through the template. Each series is worth its last non-null datapoint.
import {
  configError,
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

const SECRET_KEYS: readonly SecretKey[] = [
  { name: 'username', required: 'with-secret', what: 'basic auth user' },
  { name: 'password', required: 'with-secret', what: 'basic auth password' },
];

export const graphite: MetricBackend = {
  title: 'Graphite',
  secretKeys: SECRET_KEYS,
  window: 'none added: the query sets it (from=-{{ interval }}, or summarize(..., {{ interval }}))',
  probe: 'the render API answers target=test (no data is fine)',
  manySeries: { rule: 'last-with-data', oneSeries: 'wrap the target in sumSeries() or averageSeries()' },
  connect: (settings) => connectGraphite(settings),
};

function connectGraphite(settings: BackendSettings): BackendClient {
  if (!settings.address) throw configError('Graphite', '', 'spec.provider.address is required (the graphite-web URL)');
  const at = endpointOf('Graphite', settings.address);
  requireKeys(at.title, at.address, SECRET_KEYS, settings.secret);
  const base = baseUrlOf(at, settings.address);
  const headers: Record<string, string> = { accept: 'application/json', ...providerHeaders(settings.headers) };
  const { username, password } = settings.secret ?? {};
  if (username && password) headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

  const render = async (query: string) => {
    // Whitespace is folded, as Flagger does, so a template may spread a target over lines.
    const params = new URLSearchParams(query.replace(/\s+/g, ' ').trim());
    params.set('format', 'json');
    const url = urlAt(base, '/render');
    url.search = params.toString();
    const res = await exchange(at, {
      url,
      headers,
      deadlineMs: settings.timeoutMs,
      maxResponseBytes: settings.maxResponseBytes,
      insecureSkipVerify: settings.insecureSkipVerify,
    });
    const body = jsonOf(at, res);
    if (!Array.isArray(body)) throw failure(at, ' did not answer with a list of series', 'unexpected', res.status);
    return seriesResult(
      body.map((series: { target?: unknown; datapoints?: unknown }) => ({
        labels: typeof series?.target === 'string' ? { target: series.target } : ({} as Record<string, string>),
        value: lastValue(series?.datapoints),
      })),
    );
  };
  return {
    address: at.address,
    query: render,
    probe: async () => {
      await render('target=test');
    },
  };
}

/** The last datapoint with a value: [value, timestamp] pairs, null where there is none. */
function lastValue(points: unknown): number | undefined {
  if (!Array.isArray(points)) return undefined;
  for (let i = points.length - 1; i >= 0; i--) {
    const value = Array.isArray(points[i]) ? numberOf(points[i][0]) : undefined;
    if (value !== undefined) return value;
  }
  return undefined;
}
