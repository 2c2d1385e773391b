// The Prometheus edge: instant queries over the HTTP API (GET /api/v1/query), with every failure
// turned into one MetricsProviderError whose message says what went wrong and where. Each query
// is one bounded exchange: Flagger's 5 s deadline over all of it, body included, and a cap on the
// answer, so a hostile or broken `address` costs a failed check, never the operator's memory.
import { capMessage } from '../api/message.js';
import { boundedRequest, ExchangeError, type BoundedResponse } from '../io/bounded-request.js';
import { TLS_TRUST_CODES, networkReason } from './network-failure.js';

export interface PrometheusClientOptions {
  /** Base URL, e.g. http://prometheus:9090 (a path prefix such as /prometheus is kept). */
  readonly address: string;
  /** Sent as `Authorization: Bearer <token>` (the secret's `token` key). */
  readonly bearerToken?: string;
  /** Basic auth (the secret's `username` and `password` keys); both or neither. */
  readonly username?: string;
  readonly password?: string;
  /** Extra request headers (MetricTemplate spec.provider.headers): a value or a list of values each. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** Deadline over one whole query, body included. @default 5000, Flagger's query timeout */
  readonly timeoutMs?: number;
  /** Largest answer read. @default DEFAULT_QUERY_RESPONSE_BYTES */
  readonly maxResponseBytes?: number;
  /** Accept any TLS certificate (MetricTemplate spec.provider.insecureSkipVerify). */
  readonly insecureSkipVerify?: boolean;
}

export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** An instant query's answer, keeping its shape so the caller can refuse what it cannot judge. */
export type QueryResult =
  | { readonly type: 'vector'; readonly samples: readonly Sample[] }
  | { readonly type: 'scalar'; readonly value: number }
  | { readonly type: 'matrix'; readonly seriesCount: number; readonly series?: readonly RangeSeries[] }
  | { readonly type: 'string'; readonly value: string };

/** One series of a range query: a value per step (NaN where Prometheus wrote NaN). */
export interface RangeSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly values: readonly number[];
}

/** A range query's span: every step from start to end, both included (milliseconds since the epoch). */
export interface QueryRange {
  readonly startMs: number;
  readonly endMs: number;
  readonly stepMs: number;
}

/** Anything that answers PromQL: the real client, or a fake in tests. */
export interface MetricsQuerier {
  query(promql: string): Promise<QueryResult>;
  /** A range query (GET /api/v1/query_range), for the statistical judge; Prometheus only. */
  queryRange?(promql: string, range: QueryRange): Promise<QueryResult>;
  /** Where the queries go, without credentials, when the querier knows. */
  readonly address?: string;
}

export type MetricsProviderFailure =
  | 'invalid-address'
  | 'unreachable'
  | 'timeout'
  | 'too-large'
  | 'tls'
  | 'http'
  | 'bad-query'
  | 'not-prometheus'
  | 'unexpected'
  /** The MetricTemplate or its secret lacks what the backend needs (a key, a region, an address). */
  | 'config';

export class MetricsProviderError extends Error {
  constructor(
    message: string,
    readonly failure: MetricsProviderFailure,
    readonly address: string,
    readonly httpStatus?: number,
  ) {
    // The message carries what the server answered: capped, as it ends up in the status.
    super(capMessage(message));
    this.name = 'MetricsProviderError';
  }
}

export const DEFAULT_QUERY_TIMEOUT_MS = 5_000;

/** One instant value, or a few hundred series for the "expected one" message, fit many times over. */
export const DEFAULT_QUERY_RESPONSE_BYTES = 1024 * 1024;

/**
 * One field per header. Flagger sends a header with several values (Go's http.Header) as several
 * field lines; a recipient must read those as the values joined by ", " (RFC 9110 5.3), which is
 * what is sent here. No values at all: no header, as Go sends none for an empty list.
 */
export function headerFields(headers: Readonly<Record<string, string | readonly string[]>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const values = typeof value === 'string' ? [value] : value;
    if (values.length) out[name] = values.join(', ');
  }
  return out;
}

export class PrometheusClient implements MetricsQuerier {
  /** The address without credentials, for messages. */
  readonly address: string;
  private readonly queryUrl: string;
  private readonly rangeUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly insecureSkipVerify: boolean;

  constructor(options: PrometheusClientOptions) {
    this.address = displayAddress(options.address);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_QUERY_RESPONSE_BYTES;
    this.insecureSkipVerify = options.insecureSkipVerify === true;
    let url: URL;
    try {
      url = new URL(options.address);
    } catch {
      throw new MetricsProviderError(`invalid Prometheus address ${JSON.stringify(this.address)}: not a URL`, 'invalid-address', this.address);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new MetricsProviderError(`invalid Prometheus address ${this.address}: use http:// or https://`, 'invalid-address', this.address);
    }
    if ((options.username === undefined) !== (options.password === undefined)) {
      throw new MetricsProviderError(`basic auth for ${this.address} needs both username and password`, 'invalid-address', this.address);
    }
    // Credentials in the address become basic auth, as they would in a browser; the URL sent carries none.
    const username = options.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
    const password = options.password ?? (url.username ? decodeURIComponent(url.password) : undefined);
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    this.queryUrl = `${url.toString().replace(/\/+$/, '')}/api/v1/query`;
    this.rangeUrl = `${this.queryUrl}_range`;
    this.headers = { accept: 'application/json', ...headerFields(options.headers) };
    if (options.bearerToken) this.headers.authorization = `Bearer ${options.bearerToken}`;
    else if (username !== undefined) this.headers.authorization = `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
  }

  /** Runs one instant query at the current time. Throws MetricsProviderError. */
  async query(promql: string): Promise<QueryResult> {
    return this.exchange(`${this.queryUrl}?query=${encodeURIComponent(promql)}`);
  }

  /** Runs one range query; its answer is a matrix with every series' values. Throws MetricsProviderError. */
  async queryRange(promql: string, range: QueryRange): Promise<QueryResult> {
    const seconds = (ms: number) => String(ms / 1000);
    return this.exchange(
      `${this.rangeUrl}?query=${encodeURIComponent(promql)}` + `&start=${seconds(range.startMs)}&end=${seconds(range.endMs)}&step=${seconds(range.stepMs)}`,
    );
  }

  private async exchange(requestUrl: string): Promise<QueryResult> {
    let res: BoundedResponse;
    try {
      res = await boundedRequest({
        url: requestUrl,
        headers: this.headers,
        deadlineMs: this.timeoutMs,
        maxResponseBytes: this.maxResponseBytes,
        insecureSkipVerify: this.insecureSkipVerify,
      });
    } catch (thrown) {
      throw this.exchangeFailure(thrown);
    }
    return this.resultOf(res);
  }

  /** Flagger's availability check: `vector(1)` must return 1. Throws MetricsProviderError. */
  async probe(): Promise<void> {
    const result = await this.query('vector(1)');
    const value = result.type === 'vector' && result.samples.length === 1 ? result.samples[0].value : result.type === 'scalar' ? result.value : undefined;
    if (value !== 1) {
      throw new MetricsProviderError(`${this.address} is not a working Prometheus: vector(1) did not return 1`, 'not-prometheus', this.address);
    }
  }

  private fail(message: string, failure: MetricsProviderFailure, httpStatus?: number): MetricsProviderError {
    return new MetricsProviderError(message, failure, this.address, httpStatus);
  }

  /** No whole answer: deadline, cap, TLS or network. */
  private exchangeFailure(thrown: unknown): MetricsProviderError {
    const at = `Prometheus at ${this.address}`;
    if (!(thrown instanceof ExchangeError)) return this.fail(`${at}: unexpected failure ${preview(String(thrown))}`, 'unexpected');
    const code = thrown.code;
    switch (thrown.failure) {
      case 'deadline':
        return this.fail(`${at} did not answer within ${this.timeoutMs}ms`, 'timeout');
      case 'too-large':
        return this.fail(`${at}: ${thrown.message}`, 'too-large', thrown.status);
      case 'invalid-url':
        return this.fail(`${at}: ${thrown.message}`, 'invalid-address');
      default:
        if (code && TLS_TRUST_CODES.has(code)) {
          return this.fail(
            `${at}: TLS certificate not trusted (${code}): ${thrown.message}; set insecureSkipVerify in the MetricTemplate's provider to accept it`,
            'tls',
          );
        }
        if (code && (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code === 'EPROTO')) {
          return this.fail(`${at}: TLS failed: ${thrown.message}`, 'tls');
        }
        if (code === 'ETIMEDOUT') return this.fail(`${at} did not answer within ${this.timeoutMs}ms`, 'timeout');
        return this.fail(`${at} is unreachable: ${networkReason(code, thrown.message)}`, 'unreachable');
    }
  }

  /** A whole answer: Prometheus's result, its error, or something that is not Prometheus at all. */
  private resultOf(res: BoundedResponse): QueryResult {
    const at = `Prometheus at ${this.address}`;
    const text = res.body.toString('utf8');
    const api = apiAnswerOf(text);
    if (api?.status === 'success' && res.status >= 200 && res.status < 300) {
      const result = toQueryResult(api.data);
      if (result) return result;
    }
    if (api?.status === 'error') {
      const detail = typeof api.error === 'string' ? api.error : '';
      if (res.status === 400 || api.errorType === 'bad_data') return this.throwing(`${at} rejected the query: ${detail}`, 'bad-query', res.status);
      if (api.errorType === 'timeout' || (res.status === 503 && /timeout/i.test(detail))) {
        return this.throwing(`${at} timed out evaluating the query: ${detail}`, 'timeout', res.status);
      }
      return this.throwing(`${at} answered HTTP ${res.status}: ${detail.trim()}${authHint(res.status)}`, 'http', res.status);
    }
    if (res.status < 200 || res.status >= 300) {
      // A 401 from Prometheus's web config or a 404 from a wrong path has a plain-text body.
      const detail = text.trim() || res.statusMessage || 'no body';
      return this.throwing(`${at} answered HTTP ${res.status}: ${detail}${authHint(res.status)}`, 'http', res.status);
    }
    return this.throwing(`${at} did not answer like a Prometheus API (got ${preview(text)})`, 'not-prometheus', res.status);
  }

  private throwing(message: string, failure: MetricsProviderFailure, httpStatus?: number): never {
    throw this.fail(message, failure, httpStatus);
  }
}

const authHint = (status: number) => (status === 401 || status === 403 ? ': check the token or username/password of the provider secretRef' : '');

function preview(value: string): string {
  const flat = value.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > 80 ? `${flat.slice(0, 80)}...` : flat);
}

/** The address without user:password, for messages. */
export function displayAddress(address: string): string {
  try {
    const url = new URL(address);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return address;
  }
}

/** The API's envelope: {status, data} or {status: "error", errorType, error}. */
interface ApiAnswer {
  readonly status?: unknown;
  readonly data?: { readonly resultType?: unknown; readonly result?: unknown };
  readonly errorType?: unknown;
  readonly error?: unknown;
}

function apiAnswerOf(text: string): ApiAnswer | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as ApiAnswer) : undefined;
  } catch {
    return undefined;
  }
}

/** Prometheus writes sample values as strings, infinities as "+Inf" and "-Inf". */
function sampleValue(pair: unknown): number {
  const text = Array.isArray(pair) ? pair[1] : undefined;
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return typeof text === 'string' && text.trim() !== '' ? Number(text) : NaN;
}

/** Series labels without the metric name, as they are shown in messages. */
function labelsOf(metric: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  if (typeof metric !== 'object' || metric === null) return labels;
  for (const [k, v] of Object.entries(metric)) if (k !== '__name__' && typeof v === 'string') labels[k] = v;
  return labels;
}

function toQueryResult(data: ApiAnswer['data']): QueryResult | undefined {
  const result = data?.result;
  switch (data?.resultType) {
    case 'vector':
      if (!Array.isArray(result)) return undefined;
      return {
        type: 'vector',
        samples: result.map((item: { metric?: unknown; value?: unknown }) => ({ labels: labelsOf(item?.metric), value: sampleValue(item?.value) })),
      };
    case 'scalar':
      return { type: 'scalar', value: sampleValue(result) };
    case 'matrix':
      if (!Array.isArray(result)) return undefined;
      return {
        type: 'matrix',
        seriesCount: result.length,
        series: result.map((item: { metric?: unknown; values?: unknown }) => ({
          labels: labelsOf(item?.metric),
          values: Array.isArray(item?.values) ? item.values.map(sampleValue) : [],
        })),
      };
    case 'string':
      return { type: 'string', value: String((Array.isArray(result) ? result[1] : undefined) ?? '') };
    default:
      return undefined;
  }
}
