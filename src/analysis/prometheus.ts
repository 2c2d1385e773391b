// The Prometheus edge: instant queries through prometheus-query, with every failure turned
// into one MetricsProviderError whose message says what went wrong and where. The library
// throws plain objects (no `message`), so nothing of it leaks past this file.
import { Agent as HttpsAgent } from 'node:https';
import { PrometheusDriver } from 'prometheus-query';

export interface PrometheusClientOptions {
  /** Base URL, e.g. http://prometheus:9090 (a path prefix such as /prometheus is kept). */
  readonly address: string;
  /** Sent as `Authorization: Bearer <token>` (the secret's `token` key). */
  readonly bearerToken?: string;
  /** Basic auth (the secret's `username` and `password` keys); both or neither. */
  readonly username?: string;
  readonly password?: string;
  /** Extra request headers (MetricTemplate spec.provider.headers). */
  readonly headers?: Readonly<Record<string, string>>;
  /** @default 5000, Flagger's query timeout */
  readonly timeoutMs?: number;
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
  | { readonly type: 'matrix'; readonly seriesCount: number }
  | { readonly type: 'string'; readonly value: string };

/** Anything that answers PromQL: the real client, or a fake in tests. */
export interface MetricsQuerier {
  query(promql: string): Promise<QueryResult>;
  /** Where the queries go, without credentials, when the querier knows. */
  readonly address?: string;
}

export type MetricsProviderFailure =
  | 'invalid-address' | 'unreachable' | 'timeout' | 'tls' | 'http' | 'bad-query' | 'not-prometheus' | 'unexpected';

export class MetricsProviderError extends Error {
  constructor(
    message: string,
    readonly failure: MetricsProviderFailure,
    readonly address: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'MetricsProviderError';
  }
}

export const DEFAULT_QUERY_TIMEOUT_MS = 5_000;

export class PrometheusClient implements MetricsQuerier {
  private readonly driver: PrometheusDriver;
  /** The address without credentials, for messages. */
  readonly address: string;
  private readonly timeoutMs: number;

  constructor(options: PrometheusClientOptions) {
    this.address = displayAddress(options.address);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
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
    const headers: Record<string, string> = { ...options.headers };
    if (options.bearerToken) headers.Authorization = `Bearer ${options.bearerToken}`;
    this.driver = new PrometheusDriver({
      endpoint: options.address.replace(/\/+$/, ''),
      baseURL: '/api/v1',
      headers,
      ...(options.username !== undefined ? { auth: { username: options.username, password: options.password ?? '' } } : {}),
      timeout: this.timeoutMs,
      responseInterceptor: { onFulfilled: spellInfinities, onRejected: keepHttpStatus },
      ...(options.insecureSkipVerify ? { requestInterceptor: { onFulfilled: skipTlsVerification } } : {}),
    });
  }

  /** Runs one instant query at the current time. Throws MetricsProviderError. */
  async query(promql: string): Promise<QueryResult> {
    let raw: { resultType: string; result: unknown };
    try {
      raw = await this.driver.instantQuery(promql);
    } catch (thrown) {
      throw this.normalise(thrown);
    }
    return toQueryResult(raw);
  }

  /** Flagger's availability check: `vector(1)` must return 1. Throws MetricsProviderError. */
  async probe(): Promise<void> {
    const result = await this.query('vector(1)');
    const value = result.type === 'vector' && result.samples.length === 1 ? result.samples[0].value
      : result.type === 'scalar' ? result.value : undefined;
    if (value !== 1) {
      throw new MetricsProviderError(`${this.address} is not a working Prometheus: vector(1) did not return 1`, 'not-prometheus', this.address);
    }
  }

  /** One readable error from whatever prometheus-query (or axios below it) threw. */
  private normalise(thrown: unknown): MetricsProviderError {
    const at = `Prometheus at ${this.address}`;
    if (thrown instanceof MetricsProviderError) return thrown;
    if (thrown instanceof Error) return new MetricsProviderError(`${at}: ${thrown.message}`, 'unexpected', this.address);
    const e = (typeof thrown === 'object' && thrown !== null ? thrown : {}) as {
      errorType?: string; error?: unknown; code?: string; httpStatus?: number;
      prometheus?: { errorType?: string; error?: string }; data?: unknown;
    };
    const detail = typeof e.error === 'string' ? e.error : '';
    switch (e.errorType) {
      case 'timeout_error':
        return new MetricsProviderError(`${at} did not answer within ${this.timeoutMs}ms`, 'timeout', this.address);
      case 'ssl_error':
        return new MetricsProviderError(`${at}: TLS failed: ${detail}`, 'tls', this.address);
      case 'network_error':
        if (e.code && TLS_TRUST_CODES.has(e.code)) {
          return new MetricsProviderError(
            `${at}: TLS certificate not trusted (${e.code}): ${detail}; set insecureSkipVerify in the MetricTemplate's provider to accept it`,
            'tls', this.address);
        }
        if (e.code === 'ETIMEDOUT') {
          return new MetricsProviderError(`${at} did not answer within ${this.timeoutMs}ms`, 'timeout', this.address);
        }
        return new MetricsProviderError(`${at} is unreachable: ${networkReason(e.code, detail)}`, 'unreachable', this.address);
      case 'http_error': {
        const status = e.httpStatus ?? 0;
        const promType = e.prometheus?.errorType;
        if (status === 400 || promType === 'bad_data') {
          return new MetricsProviderError(`${at} rejected the query: ${detail}`, 'bad-query', this.address, status);
        }
        if (promType === 'timeout' || status === 503 && /timeout/i.test(detail)) {
          return new MetricsProviderError(`${at} timed out evaluating the query: ${detail}`, 'timeout', this.address, status);
        }
        const hint = status === 401 || status === 403 ? ': check the token or username/password of the provider secretRef' : '';
        return new MetricsProviderError(`${at} answered HTTP ${status}: ${detail.trim()}${hint}`, 'http', this.address, status);
      }
      case 'client_error':
        return new MetricsProviderError(`${at} did not answer like a Prometheus API (got ${preview(e.data)})`, 'not-prometheus', this.address);
      default:
        return new MetricsProviderError(`${at}: unexpected failure ${preview(thrown)}`, 'unexpected', this.address);
    }
  }
}

/** Node's codes for a certificate it does not trust (axios passes them through as network errors). */
const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const insecureAgent = new HttpsAgent({ rejectUnauthorized: false });

function skipTlsVerification<T extends { httpsAgent?: unknown }>(config: T): T {
  config.httpsAgent = insecureAgent;
  return config;
}

function networkReason(code: string | undefined, detail: string): string {
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'DNS lookup failed',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ECONNRESET: 'connection reset',
  };
  const reason = (code && reasons[code]) || detail || 'network error';
  return code ? `${reason} (${code})` : reason;
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const flat = text.replace(/\s+/g, ' ').trim();
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

/**
 * Prometheus writes infinities as "+Inf"/"-Inf", which prometheus-query's parseFloat turns
 * into NaN (that is, "no values"). Rewritten to "Infinity" they parse as the numbers they are.
 */
function spellInfinities<T extends { data?: unknown }>(response: T): T {
  const data = (response.data as { data?: { resultType?: string; result?: unknown } } | undefined)?.data;
  const fix = (pair: unknown) => {
    if (Array.isArray(pair) && typeof pair[1] === 'string') {
      if (pair[1] === '+Inf') pair[1] = 'Infinity';
      else if (pair[1] === '-Inf') pair[1] = '-Infinity';
    }
  };
  if (data?.resultType === 'vector' && Array.isArray(data.result)) {
    for (const item of data.result as { value?: unknown }[]) fix(item?.value);
  } else if (data?.resultType === 'scalar') {
    fix(data.result);
  }
  return response;
}

/**
 * A 401 from Prometheus's web config, or a 404 from a wrong path, has a plain-text body;
 * prometheus-query then reports only "unexpected client error". Wrapping the body in the
 * API's error shape keeps the HTTP status for the message.
 */
function keepHttpStatus(error: unknown): Promise<never> {
  const response = (error as { response?: { status?: number; statusText?: string; data?: unknown } })?.response;
  if (response && (typeof response.data !== 'object' || response.data === null || (response.data as { status?: unknown }).status == null)) {
    const body = typeof response.data === 'string' ? response.data.trim() : '';
    response.data = { status: 'error', errorType: 'http', error: body || response.statusText || 'no body' };
  }
  return Promise.reject(error);
}

function toQueryResult(raw: { resultType: string; result: unknown }): QueryResult {
  switch (raw.resultType) {
    case 'vector':
      return {
        type: 'vector',
        samples: (raw.result as { metric?: { labels?: object }; value?: { value?: number } }[]).map((item) => ({
          labels: { ...(item.metric?.labels ?? {}) } as Record<string, string>,
          value: Number(item.value?.value),
        })),
      };
    case 'scalar': {
      const pair = raw.result as [number, string];
      return { type: 'scalar', value: parseFloat(pair[1]) };
    }
    case 'matrix':
      return { type: 'matrix', seriesCount: (raw.result as unknown[]).length };
    default:
      return { type: 'string', value: String((raw.result as unknown[])?.[1] ?? '') };
  }
}
