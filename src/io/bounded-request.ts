// One outbound HTTP exchange with a deadline over all of it (connect, send, headers and the whole
// body) and a cap on the response body. Socket idle timeouts alone let a server that drips a byte
// a second hold the caller forever, and an uncapped read lets one huge body take the process's
// memory, so every outbound call of Sluice (Prometheus, rollout webhooks, notifications, the load
// tester's targets) goes through here. Built on node's http/https: their options already cover
// TLS trust, agents and tunnelled sockets; this adds only the deadline and the counted read.
import { request as httpRequest, type Agent, type IncomingHttpHeaders, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { formatDuration } from '../api/duration.js';

/** How to reach the server other than directly: a forward proxy, or a socket already open (a CONNECT tunnel). */
export type Via =
  | { readonly host: string; readonly port: number; readonly path: string; readonly headers?: Readonly<Record<string, string>> }
  | { readonly createConnection: () => Duplex };

export interface BoundedRequest {
  readonly url: string | URL;
  /** @default GET, or POST with a body */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  /** The whole exchange, body included, must end within this. */
  readonly deadlineMs: number;
  /** Largest response body accepted; one byte more fails the exchange. */
  readonly maxResponseBytes: number;
  /** Accept any TLS certificate. */
  readonly insecureSkipVerify?: boolean;
  /** Extra CA certificates to trust (PEM). */
  readonly ca?: string | Buffer;
  /** Resolved once the deadline runs, so a proxy handshake counts against it too. */
  readonly via?: (signal: AbortSignal) => Promise<Via>;
  readonly agent?: Agent;
  /** Count the body against the cap but keep none of it (load generation). */
  readonly discardBody?: boolean;
  /** Ends the exchange early, e.g. when the task that made it stops. */
  readonly signal?: AbortSignal;
}

export interface BoundedResponse {
  readonly status: number;
  readonly statusMessage: string;
  readonly headers: IncomingHttpHeaders;
  /** Empty with discardBody. */
  readonly body: Buffer;
  readonly bytes: number;
}

export type ExchangeFailure = 'invalid-url' | 'deadline' | 'too-large' | 'network' | 'aborted';

export class ExchangeError extends Error {
  /** The HTTP status, when the failure came after the response head. */
  status?: number;

  constructor(
    message: string,
    readonly failure: ExchangeFailure,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ExchangeError';
  }
}

/** "1 MiB", "64 KiB", "500 bytes": caps as people write them. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

export const tooLargeMessage = (maxBytes: number) => `response larger than ${formatBytes(maxBytes)}`;
export const deadlineMessage = (ms: number) => `timeout: no complete answer within ${formatDuration(ms)}`;

/** Sends one request and reads the whole answer, or fails with an ExchangeError. Never throws synchronously. */
export async function boundedRequest(request: BoundedRequest): Promise<BoundedResponse> {
  const url = httpUrlOf(request.url);
  // One signal ends the exchange: the deadline, or the caller's own (followed by hand rather than
  // with AbortSignal.any, so a long-lived caller signal collects no listeners).
  const ending = new AbortController();
  // setTimeout fires at once for anything over 2^31-1 ms: a longer deadline is held to that.
  const timer = setTimeout(() => ending.abort(new ExchangeError(deadlineMessage(request.deadlineMs), 'deadline')), Math.min(request.deadlineMs, 2 ** 31 - 1));
  const follow = () => ending.abort(request.signal?.reason);
  if (request.signal?.aborted) follow();
  else request.signal?.addEventListener('abort', follow, { once: true });
  try {
    const via = request.via ? await untilAborted(request.via(ending.signal), ending.signal) : undefined;
    return await exchange(url, request, via, ending.signal);
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', follow);
  }
}

function httpUrlOf(raw: string | URL): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ExchangeError(`invalid URL ${JSON.stringify(String(raw))}`, 'invalid-url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ExchangeError(`unsupported URL scheme ${url.protocol} (use http or https)`, 'invalid-url');
  }
  return url;
}

/** The reason an aborted signal carries, as an ExchangeError. */
function abortReason(signal: AbortSignal): ExchangeError {
  const reason: unknown = signal.reason;
  if (reason instanceof ExchangeError) return reason;
  return new ExchangeError(reason instanceof Error ? `aborted: ${reason.message}` : 'aborted', 'aborted');
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, (err: unknown) => reject(networkError(err))).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function networkError(err: unknown): ExchangeError {
  if (err instanceof ExchangeError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  return new ExchangeError(err instanceof Error ? err.message : String(err), 'network', code);
}

function exchange(url: URL, request: BoundedRequest, via: Via | undefined, signal: AbortSignal): Promise<BoundedResponse> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortReason(signal));
      return;
    }
    const body = typeof request.body === 'string' ? Buffer.from(request.body) : request.body;
    const headers: Record<string, string> = { ...request.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
    const options: RequestOptions = {
      method: request.method ?? (body ? 'POST' : 'GET'),
      headers,
      ...(request.agent ? { agent: request.agent } : {}),
      ...(url.protocol === 'https:' && request.insecureSkipVerify ? { rejectUnauthorized: false } : {}),
      ...(request.ca ? { ca: request.ca } : {}),
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let req: ReturnType<typeof httpRequest>;
    try {
      if (via && 'host' in via) {
        req = httpRequest({ ...options, host: via.host, port: via.port, path: via.path, headers: { ...headers, ...via.headers } });
      } else {
        req = send(url, { ...options, ...(via ? { createConnection: via.createConnection as RequestOptions['createConnection'] } : {}) });
      }
    } catch (err) {
      reject(networkError(err));
      return;
    }
    let response: IncomingMessage | undefined;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      outcome();
    };
    const fail = (error: ExchangeError) =>
      settle(() => {
        if (response?.statusCode !== undefined) error.status = response.statusCode;
        req.destroy();
        response?.destroy();
        reject(error);
      });
    const onAbort = () => fail(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });

    req.once('error', (err) => fail(networkError(err)));
    req.once('response', (res) => {
      response = res;
      const tooLarge = () => fail(new ExchangeError(tooLargeMessage(request.maxResponseBytes), 'too-large'));
      // A declared length over the cap is refused before a byte of it is read.
      if (Number(res.headers['content-length']) > request.maxResponseBytes) {
        tooLarge();
        return;
      }
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > request.maxResponseBytes) tooLarge();
        else if (!request.discardBody) chunks.push(chunk);
      });
      res.once('end', () =>
        settle(() =>
          resolve({
            status: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks),
            bytes,
          }),
        ),
      );
      res.once('error', (err) => fail(networkError(err)));
      res.once('close', () => {
        if (!res.complete) fail(new ExchangeError('connection closed before the response ended', 'network'));
      });
    });
    req.end(body);
  });
}
