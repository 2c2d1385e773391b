// New Relic: the Insights query API (GET <address>/v1/accounts/<account>/query?nrql=...) with
// the query key in X-Query-Key. The time range is appended to the NRQL as Flagger does:
// "<query> SINCE <interval in seconds> seconds ago". One result with a number is a value.
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

export const NEWRELIC_DEFAULT_ADDRESS = 'https://insights-api.newrelic.com';

const SECRET_KEYS: readonly SecretKey[] = [
  { name: 'newrelic_account_id', required: 'always', what: 'the account the query runs in' },
  { name: 'newrelic_query_key', required: 'always', what: 'the Insights query key, sent as X-Query-Key' },
];

export const newrelic: MetricBackend = {
  title: 'New Relic',
  secretKeys: SECRET_KEYS,
  defaultAddress: NEWRELIC_DEFAULT_ADDRESS,
  window: '" SINCE <interval in seconds> seconds ago" appended to the NRQL',
  probe: 'the query API answers "SELECT * FROM Metric" (HTTP 200)',
  manySeries: { rule: 'refuse-as-no-values', oneSeries: 'select one aggregate function without FACET' },
  connect: (settings) => connectNewRelic(settings),
};

function connectNewRelic(settings: BackendSettings): BackendClient {
  const address = settings.address ?? NEWRELIC_DEFAULT_ADDRESS;
  const at = endpointOf('New Relic', address);
  requireKeys(at.title, at.address, SECRET_KEYS, settings.secret);
  const base = baseUrlOf(at, address);
  const account = settings.secret!.newrelic_account_id.trim();
  const headers = { accept: 'application/json', ...providerHeaders(settings.headers), 'X-Query-Key': settings.secret!.newrelic_query_key };
  const since = Math.trunc(settings.intervalMs / 1000);
  const run = (nrql: string) =>
    exchange(at, {
      url: urlAt(base, `/v1/accounts/${encodeURIComponent(account)}/query`, { nrql }),
      headers,
      deadlineMs: settings.timeoutMs,
      maxResponseBytes: settings.maxResponseBytes,
      insecureSkipVerify: settings.insecureSkipVerify,
    });
  return {
    address: at.address,
    async query(query) {
      const res = await run(`${query.trim()} SINCE ${since} seconds ago`);
      const body = jsonOf(at, res) as { results?: unknown };
      if (!Array.isArray(body?.results)) throw failure(at, ' answered without a results list', 'unexpected', res.status);
      return seriesResult(
        body.results.map((r: Record<string, unknown>, i: number) => ({
          labels: { result: String(i) },
          value: resultValue(r),
        })),
      );
    },
    async probe() {
      await run(`SELECT * FROM Metric SINCE ${since} seconds ago`);
    },
  };
}

/** A result is {"result": n} for arithmetic, or {"<function>": n} (count, sum, average, ...). */
function resultValue(result: Record<string, unknown> | null | undefined): number | undefined {
  if (!result || typeof result !== 'object') return undefined;
  if ('result' in result) return numberOf(result.result);
  const numbers = Object.values(result).filter((v) => typeof v === 'number');
  return numbers.length === 1 ? (numbers[0] as number) : undefined;
}
