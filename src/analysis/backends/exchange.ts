// One bounded HTTP exchange with a metrics backend, every failure turned into a
// MetricsProviderError that names the backend, where it is and, for an answer, its HTTP status.
// Credentials never reach a message: the address is shown without user:password and query
// string, and request headers (where the keys travel) are never echoed.
import { boundedRequest, ExchangeError, type BoundedResponse } from '../../io/bounded-request.js';
import { MetricsProviderError, displayAddress, type MetricsProviderFailure } from '../prometheus.js';
import { TLS_TRUST_CODES, networkReason } from '../network-failure.js';

export interface BackendRequest {
  readonly url: string | URL;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly deadlineMs: number;
  readonly maxResponseBytes: number;
  readonly insecureSkipVerify?: boolean;
}

/** Who answers: "Datadog at https://api.datadoghq.com", used to start every message. */
export interface BackendEndpoint {
  readonly title: string;
  /** Without credentials. */
  readonly address: string;
}

export function endpointOf(title: string, address: string): BackendEndpoint {
  return { title, address: displayAddress(address) };
}

export function failure(at: BackendEndpoint, message: string, kind: MetricsProviderFailure, httpStatus?: number): MetricsProviderError {
  return new MetricsProviderError(`${at.title} at ${at.address}${message}`, kind, at.address, httpStatus);
}

/**
 * Sends the request and returns a 2xx answer; anything else throws: no whole answer (deadline,
 * cap, TLS, network) or an answer with another status, whose body (trimmed) says why.
 */
export async function exchange(at: BackendEndpoint, request: BackendRequest): Promise<BoundedResponse> {
  const res = await send(at, request);
  if (res.status < 200 || res.status >= 300) throw httpFailure(at, res);
  return res;
}

/** Like exchange, but any answer comes back, whatever its status. */
export async function send(at: BackendEndpoint, request: BackendRequest): Promise<BoundedResponse> {
  try {
    return await boundedRequest({
      url: request.url,
      ...(request.method ? { method: request.method } : {}),
      ...(request.headers ? { headers: request.headers } : {}),
      ...(request.body !== undefined ? { body: request.body } : {}),
      deadlineMs: request.deadlineMs,
      maxResponseBytes: request.maxResponseBytes,
      ...(request.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
    });
  } catch (thrown) {
    throw exchangeFailure(at, thrown, request.deadlineMs);
  }
}

/** An answer that is not 2xx: the status, and the start of what the server said. */
export function httpFailure(at: BackendEndpoint, res: BoundedResponse, detail?: string): MetricsProviderError {
  const said = detail ?? (res.body.toString('utf8').trim() || res.statusMessage || 'no body');
  const hint = res.status === 401 || res.status === 403 ? ': check the credentials in the provider secretRef' : '';
  return failure(at, ` answered HTTP ${res.status}: ${preview(said, 300)}${hint}`, 'http', res.status);
}

/** No whole answer: deadline, cap, TLS or network. */
export function exchangeFailure(at: BackendEndpoint, thrown: unknown, deadlineMs: number): MetricsProviderError {
  if (!(thrown instanceof ExchangeError)) return failure(at, `: unexpected failure ${JSON.stringify(preview(String(thrown)))}`, 'unexpected');
  const code = thrown.code;
  switch (thrown.failure) {
    case 'deadline':
      return failure(at, ` did not answer within ${deadlineMs}ms`, 'timeout');
    case 'too-large':
      return failure(at, `: ${thrown.message}`, 'too-large', thrown.status);
    case 'invalid-url':
      return failure(at, `: ${thrown.message}`, 'invalid-address');
    default:
      if (code && TLS_TRUST_CODES.has(code)) {
        return failure(
          at,
          `: TLS certificate not trusted (${code}): ${thrown.message}; set insecureSkipVerify in the MetricTemplate's provider to accept it`,
          'tls',
        );
      }
      if (code && (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code === 'EPROTO')) {
        return failure(at, `: TLS failed: ${thrown.message}`, 'tls');
      }
      if (code === 'ETIMEDOUT') return failure(at, ` did not answer within ${deadlineMs}ms`, 'timeout');
      return failure(at, ` is unreachable: ${networkReason(code, thrown.message)}`, 'unreachable');
  }
}

/** Whitespace folded, cut to `max` characters. */
export function preview(value: string, max = 80): string {
  const flat = value.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}

/** The body as JSON, or a failure that says the backend did not answer in JSON. */
export function jsonOf(at: BackendEndpoint, res: BoundedResponse): unknown {
  const text = res.body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw failure(at, ` did not answer with JSON (got ${JSON.stringify(preview(text))})`, 'unexpected', res.status);
  }
}

/** The base URL of an address: http(s) only, without credentials, query or trailing slash. */
export function baseUrlOf(at: BackendEndpoint, address: string): URL {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw failure(at, `: invalid address ${JSON.stringify(at.address)}: not a URL`, 'invalid-address');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw failure(at, `: invalid address: use http:// or https://`, 'invalid-address');
  }
  url.search = '';
  url.hash = '';
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

/** `base` + `path` (which starts with "/"), keeping a path prefix of the base, without credentials. */
export function urlAt(base: URL, path: string, params?: Record<string, string>): URL {
  const url = new URL(base.toString());
  url.username = '';
  url.password = '';
  url.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
  if (params) for (const [k, v] of Object.entries(params)) url.searchParams.append(k, v);
  return url;
}
