// What every metrics backend of a MetricTemplate (`spec.provider.type`) provides, and what it is
// given. The table of backends (table.ts) holds one entry of this shape per type Flagger knows.
import type { MetricsQuerier, QueryResult, Sample } from '../prometheus.js';
import { MetricsProviderError } from '../prometheus.js';

/** Every `spec.provider.type` Flagger's MetricTemplate accepts. */
export const METRIC_BACKEND_TYPES = [
  'prometheus',
  'graphite',
  'datadog',
  'newrelic',
  'dynatrace',
  'splunk',
  'influxdb',
  'stackdriver',
  'cloudwatch',
  'keptn',
  'externalmetrics',
  'skywalking',
] as const;
export type MetricBackendType = (typeof METRIC_BACKEND_TYPES)[number];

export function isMetricBackendType(type: unknown): type is MetricBackendType {
  return typeof type === 'string' && (METRIC_BACKEND_TYPES as readonly string[]).includes(type);
}

/** What one query of one MetricTemplate needs to reach its backend. */
export interface BackendSettings {
  /** spec.provider.address; absent when empty. */
  readonly address?: string;
  /** The decoded secret of spec.provider.secretRef; absent when the template names none. */
  readonly secret?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly insecureSkipVerify?: boolean;
  /** spec.provider.region (CloudWatch). */
  readonly region?: string;
  /** The metric's interval: backends that take a time range compute it from this. */
  readonly intervalMs: number;
  /** Deadline over one whole exchange, body included. */
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** The clock the time ranges end at (milliseconds since the epoch). */
  readonly now: () => number;
  /** The operator's environment, where cloud credentials come from (AWS_*, GCE_METADATA_HOST). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The Kubernetes API, for the backends that read it (keptn, externalmetrics). */
  readonly kube?: KubeAccess;
}

/** The few Kubernetes API calls the in-cluster backends make, on the operator's own credentials. */
export interface KubeAccess {
  /** GET of an API path; the parsed JSON, or a rejection whose message names the status. */
  get(path: string): Promise<unknown>;
  create(path: string, body: unknown): Promise<unknown>;
  delete(path: string): Promise<void>;
}

/** A connected backend: runs a rendered query, and answers Flagger's availability check. */
export interface BackendClient extends MetricsQuerier {
  /** Throws MetricsProviderError when the backend cannot be used. */
  probe(): Promise<void>;
}

export interface SecretKey {
  readonly name: string;
  /** Needed whenever the template names a secret (or always, for required: 'always'). */
  readonly required: 'always' | 'with-secret' | false;
  readonly what: string;
}

export interface MetricBackend {
  /** As people write it: "Datadog", "Google Cloud Monitoring". */
  readonly title: string;
  /** The secret keys Flagger reads, with the same names. */
  readonly secretKeys: readonly SecretKey[];
  /** Used when spec.provider.address is empty; undefined when an address is needed (or, for
   *  prometheus, the Canary's metricsServer is used). */
  readonly defaultAddress?: string;
  /** How the metric's interval becomes the queried time range (for docs and `sluice check`). */
  readonly window: string;
  /** What the availability check asks. */
  readonly probe: string;
  /** What Flagger does with an answer of several series, and so what Sluice does (reading.ts). */
  readonly manySeries: ManySeriesRule;
  /** Throws MetricsProviderError (failure 'config') when settings lack what the backend needs. */
  connect(settings: BackendSettings): BackendClient;
}

/** Fails a connect that lacks a required secret key, naming the key and never a value. */
export function requireKeys(title: string, address: string, keys: readonly SecretKey[], secret: BackendSettings['secret']): void {
  for (const key of keys) {
    const needed = key.required === 'always' || (key.required === 'with-secret' && secret !== undefined);
    if (needed && !secret?.[key.name]) {
      throw configError(
        title,
        address,
        secret === undefined ? `needs a secretRef with ${key.name} (${key.what})` : `its secret has no ${key.name} (${key.what})`,
      );
    }
  }
}

export function configError(title: string, address: string, message: string): MetricsProviderError {
  return new MetricsProviderError(`${title}${address ? ` at ${address}` : ''}: ${message}`, 'config', address);
}

/**
 * How Flagger's provider reads an answer of several series (or results, tables, items):
 *   first / last       the first / last series of the answer, in its order, even one without data
 *   last-with-data     the last series that has a value (Graphite reads every datapoint in turn)
 *   first-with-data    the first series that has a value (SkyWalking: Flagger walks a Go map, whose
 *                      order is random, so Sluice takes the answer's order)
 *   refuse             more than one series with data is an error (Flagger's ErrMultipleValuesReturned)
 *   refuse-as-no-values anything but exactly one result is "no values found" (New Relic)
 *   one-value          the backend answers one number by construction (Keptn)
 */
export type ManySeries = 'first' | 'last' | 'last-with-data' | 'first-with-data' | 'refuse' | 'refuse-as-no-values' | 'one-value';

export interface ManySeriesRule {
  readonly rule: ManySeries;
  /** How to write the query so that it answers one series, for the message: "aggregate it with sum()". */
  readonly oneSeries: string;
}

/** One series as a backend answered it: its name and its one value (undefined: no data points). */
export interface SeriesValue {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number | undefined;
}

/**
 * The answer as the judging code reads it: a vector of every series in the backend's order, one
 * without data as NaN, so that the backend's ManySeriesRule picks the series Flagger picks.
 */
export function seriesResult(series: readonly SeriesValue[]): QueryResult {
  const samples: Sample[] = series.map((s) => ({ labels: s.labels, value: s.value ?? NaN }));
  return { type: 'vector', samples };
}

/** A number from a JSON value: numbers as they are, numeric strings parsed, null/absent undefined. */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    if (value === 'NaN') return NaN;
    if (/^\+?Inf(inity)?$/i.test(value)) return Infinity;
    if (/^-Inf(inity)?$/i.test(value)) return -Infinity;
    const n = Number(value);
    return Number.isNaN(n) ? undefined : n;
  }
  return undefined;
}

/** Header fields from spec.provider.headers (a value or a list of values each). */
export function providerHeaders(headers: BackendSettings['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const values = typeof value === 'string' ? [value] : value;
    if (values.length) out[name] = values.join(', ');
  }
  return out;
}
