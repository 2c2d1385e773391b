// One error type for every failed Kubernetes call, keeping the HTTP status and the Status
// reason so callers decide by code (404 means absent, 409 means retry) instead of by message.
// Network failures and timeouts have status 0.

export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

export class KubeError extends Error {
  override readonly name = 'KubeError';
  constructor(
    /** HTTP status code; 0 when no response arrived (network error, timeout). */
    readonly status: number,
    /** The Status reason (NotFound, AlreadyExists, Conflict, Invalid, ...) or a transport reason. */
    readonly reason: string,
    message: string,
    /** "GET /apis/apps/v1/namespaces/x/deployments/y" */
    readonly request: string,
    /** The apiserver's Status object, when it sent one. */
    readonly details?: KubeStatus,
  ) {
    super(message);
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof KubeError && err.status === 404;
export const isConflict = (err: unknown): boolean => err instanceof KubeError && err.status === 409;
export const isAlreadyExists = (err: unknown): boolean => isConflict(err) && (err as KubeError).reason === 'AlreadyExists';

/** Builds the KubeError for a non-2xx response from its raw body (a Status, or anything else). */
export function errorFromResponse(status: number, body: string, request: string): KubeError {
  let parsed: KubeStatus | undefined;
  try {
    const json = JSON.parse(body) as unknown;
    if (json && typeof json === 'object' && (json as KubeStatus).kind === 'Status') parsed = json as KubeStatus;
  } catch {
    // not JSON: keep the text below
  }
  const reason = parsed?.reason || httpReason(status);
  const message = parsed?.message || body.trim().slice(0, 500) || `HTTP ${status}`;
  return new KubeError(status, reason, `${request}: ${status} ${reason}: ${message}`, request, parsed);
}

/** Builds the KubeError for a request that got no response at all. */
export function errorFromFailure(cause: unknown, request: string): KubeError {
  const err = cause as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } };
  const timedOut = err?.name === 'TimeoutError' || err?.name === 'AbortError';
  const reason = timedOut ? 'Timeout' : (err?.cause?.code ?? err?.code ?? 'NetworkError');
  const detail = err?.cause?.message ?? err?.message ?? String(cause);
  return new KubeError(0, reason, `${request}: ${reason}: ${detail}`, request);
}

function httpReason(status: number): string {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    410: 'Expired',
    415: 'UnsupportedMediaType',
    422: 'Invalid',
    429: 'TooManyRequests',
    500: 'InternalError',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  return reasons[status] ?? `HTTP${status}`;
}
