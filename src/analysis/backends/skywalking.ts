// Apache SkyWalking: the OAP server's GraphQL API (POST <address>/graphql). The query is a GraphQL
// document taking `$duration: Duration!`; Sluice sends the variable as Flagger does: the last
// metric interval, minute-stepped, as "YYYY-MM-DD HHmm" in UTC. Every aliased field of the answer
// is a series (readMetricsValues' `values { values { value } }`) worth its first non-null point.
import {
  configError,
  numberOf,
  providerHeaders,
  seriesResult,
  type BackendClient,
  type BackendSettings,
  type MetricBackend,
  type SeriesValue,
} from './backend.js';
import { baseUrlOf, endpointOf, exchange, failure, jsonOf, send, urlAt, type BackendEndpoint } from './exchange.js';

export const skywalking: MetricBackend = {
  title: 'SkyWalking',
  secretKeys: [],
  window: 'duration variable: start = now - interval, end = now, step MINUTE ("YYYY-MM-DD HHmm", UTC); the first non-null point',
  probe: 'GET /internal/l7check answers 200 (or 405 from an OAP server older than that endpoint)',
  manySeries: { rule: 'first-with-data', oneSeries: 'ask for one field (one alias) in the query' },
  connect: (settings) => connectSkyWalking(settings),
};

function connectSkyWalking(settings: BackendSettings): BackendClient {
  if (!settings.address) throw configError('SkyWalking', '', 'spec.provider.address is required (the OAP server, e.g. http://skywalking-oap:12800)');
  const at = endpointOf('SkyWalking', settings.address);
  const base = baseUrlOf(at, settings.address);
  const bounds = { deadlineMs: settings.timeoutMs, maxResponseBytes: settings.maxResponseBytes, insecureSkipVerify: settings.insecureSkipVerify };
  return {
    address: at.address,
    async query(document) {
      const end = settings.now();
      const duration = { start: minuteOf(end - settings.intervalMs), end: minuteOf(end), step: 'MINUTE' };
      const res = await exchange(at, {
        url: urlAt(base, '/graphql'),
        method: 'POST',
        body: JSON.stringify({ query: document, variables: { duration } }),
        headers: { ...providerHeaders(settings.headers), 'content-type': 'application/json', accept: 'application/json' },
        ...bounds,
      });
      return seriesResult(seriesOf(at, jsonOf(at, res)));
    },
    async probe() {
      const res = await send(at, { url: urlAt(base, '/internal/l7check'), ...bounds });
      if (res.status !== 200 && res.status !== 405) {
        throw failure(at, ` answered HTTP ${res.status} to its health check /internal/l7check`, 'http', res.status);
      }
    },
  };
}

/** The answer's aliased fields in their order, each with its first non-null point; GraphQL errors thrown. */
export function seriesOf(at: BackendEndpoint, body: unknown): SeriesValue[] {
  const { data, errors } = (body ?? {}) as { data?: unknown; errors?: unknown };
  if (Array.isArray(errors) && errors.length > 0) {
    const said = errors.map((e: { message?: unknown }) => (typeof e?.message === 'string' ? e.message : JSON.stringify(e))).join('; ');
    throw failure(at, ` refused the query: ${said.slice(0, 300)}`, 'unexpected');
  }
  if (data === null || typeof data !== 'object') throw failure(at, ' answered without a data object', 'unexpected');
  return Object.entries(data as Record<string, unknown>).map(([alias, field]) => {
    const f = field as { label?: unknown; values?: { values?: unknown } } | null;
    const points = Array.isArray(f?.values?.values) ? (f.values.values as { value?: unknown }[]) : [];
    const first = points.map((p) => numberOf(p?.value)).find((v) => v !== undefined);
    return { labels: { field: alias, ...(typeof f?.label === 'string' ? { label: f.label } : {}) }, value: first };
  });
}

/** "2006-01-02 1504" in Go's layout: the minute SkyWalking's Duration takes. */
function minuteOf(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}${two(d.getUTCMinutes())}`;
}
