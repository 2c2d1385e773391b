// What the admission server answers when it refuses a request, and why: a Kubernetes Status (the
// body the apiserver logs when a webhook call fails) with the HTTP status that names the fault.
// A client's fault is always a 4xx that says what to change; only a handler bug is a 5xx.
import { STATUS_CODES } from 'node:http';

/** A Kubernetes Status, as the apiserver writes its own refusals. */
export function statusBody(code: number, reason: string, message: string) {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', code, reason, message };
}

/** The Status reason Kubernetes uses for each code (its own where it has one). */
export function statusReason(status: number): string {
  switch (status) {
    case 404:
      return 'NotFound';
    case 408:
      return 'Timeout';
    case 413:
      return 'RequestEntityTooLarge';
    case 415:
      return 'UnsupportedMediaType';
    case 429:
      return 'TooManyRequests';
    case 431:
      return 'RequestHeaderFieldsTooLarge';
    default:
      return status >= 500 ? 'InternalError' : 'BadRequest';
  }
}

/** An HTTP error carrying its status and a type for the reason, as body-parser's are. */
export function refusal(status: number, type: string, message: string): Error & { status: number; type: string } {
  return Object.assign(new Error(message), { status, type });
}

/**
 * Why a review's Content-Type is refused (415), if it is: the apiserver sends application/json,
 * UTF-8. Anything else is refused for what it is rather than guessed at.
 */
export function contentTypeProblem(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '') return 'Content-Type must be application/json, got none';
  const [type, ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return `Content-Type must be application/json, got ${JSON.stringify(header)}`;
  const charset = parameters
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"(.*)"$/, '$1');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return `charset must be utf-8, got ${JSON.stringify(charset)}`;
  return undefined;
}

/** The message of a refused body, from body-parser's error types and Sluice's own. */
export function bodyErrorReason(e: { type?: string; message?: string; length?: number; encoding?: string }, limit: number): string {
  switch (e.type) {
    case 'entity.too.large':
      // A chunked body has no declared length: only the limit is known.
      return e.length === undefined
        ? `AdmissionReview body exceeds the ${limit} byte limit`
        : `AdmissionReview body of ${e.length} bytes exceeds the ${limit} byte limit`;
    case 'entity.parse.failed':
      return `body is not valid JSON: ${e.message}`;
    case 'encoding.unsupported':
      // The apiserver never compresses a review; a compressed body would also escape the budget.
      return `Content-Encoding ${e.encoding} is not accepted: send the body uncompressed`;
    case 'charset.unsupported':
      return `unsupported body encoding: ${e.message}`;
    case 'request.aborted':
      return 'request aborted by the client';
    case 'request.size.invalid':
      return `body length does not match its Content-Length: ${e.message}`;
    default:
      return e.message ?? 'internal error';
  }
}

/** The answer to a request the HTTP parser or the deadline refused before any route saw it. */
export function clientErrorAnswer(
  err: NodeJS.ErrnoException & { reason?: string },
  deadlineMs: number,
  maxHeaderBytes: number,
): { code: number; message: string } | undefined {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { code: 408, message: `request not received in full within ${formatSeconds(deadlineMs)}` };
  if (err.code === 'HPE_HEADER_OVERFLOW') return { code: 431, message: `request head larger than ${maxHeaderBytes} bytes` };
  if (err.code?.startsWith('HPE_')) return { code: 400, message: `malformed HTTP request: ${err.reason ?? err.message}` };
  // A reset or a broken pipe: nobody is left to answer.
  return undefined;
}

/** A whole HTTP/1.1 response that closes the connection, for sockets no route owns. */
export function rawStatusResponse(code: number, message: string): string {
  const payload = JSON.stringify(statusBody(code, statusReason(code), message));
  return `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
