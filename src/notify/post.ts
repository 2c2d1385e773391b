// The one place notifications touch the network: POST a rendered message as JSON, directly or
// through an HTTP proxy, as one bounded exchange (a fixed deadline over all of it, proxy
// handshake included, and a cap on the answer), and fail on any status outside 2xx with the body.
import { capMessage } from '../api/message.js';
import { boundedRequest, type Via } from '../io/bounded-request.js';
import type { OutgoingMessage } from './destination.js';
import { forwardRoute, tunnelTls } from './proxy.js';

/** An unreachable or slow chat service must not hold up a rollout for long. */
export const DEFAULT_NOTIFY_TIMEOUT_MS = 5_000;

/** Chat APIs answer "ok" or a small JSON object. */
export const DEFAULT_NOTIFY_RESPONSE_BYTES = 64 * 1024;

export interface PostOptions {
  /** Deadline over the whole exchange. @default DEFAULT_NOTIFY_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** @default DEFAULT_NOTIFY_RESPONSE_BYTES */
  readonly maxResponseBytes?: number;
  readonly proxy?: string;
  /** Extra CA certificates to trust (PEM), e.g. a corporate TLS-inspecting proxy's. */
  readonly ca?: string | Buffer;
}

export type PostJson = (message: OutgoingMessage, options?: PostOptions) => Promise<{ status: number; body: string }>;

export const postJson: PostJson = async (message, options = {}) => {
  const target = new URL(message.url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(`unsupported URL scheme ${target.protocol} in ${redact(target)}`);
  const proxy = options.proxy ? new URL(options.proxy) : undefined;
  const via = proxy ? viaProxy(target, proxy, options.ca) : undefined;
  let res;
  try {
    res = await boundedRequest({
      url: target,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'sluice', ...message.headers },
      body: JSON.stringify(message.body),
      deadlineMs: options.timeoutMs ?? DEFAULT_NOTIFY_TIMEOUT_MS,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_NOTIFY_RESPONSE_BYTES,
      ...(options.ca ? { ca: options.ca } : {}),
      ...(via ? { via } : {}),
    });
  } catch (err) {
    throw new Error(capMessage(`${redact(target)}: ${err instanceof Error ? err.message : String(err)}`), { cause: err });
  }
  const body = res.body.toString('utf8');
  if (res.status >= 200 && res.status < 300) return { status: res.status, body };
  throw new Error(capMessage(`${redact(target)} answered ${res.status}: ${body.trim() || res.statusMessage}`.trim()));
};

/** Plain http goes to the proxy as a forward request; https through a CONNECT tunnel, TLS end to end. */
function viaProxy(target: URL, proxy: URL, ca: string | Buffer | undefined): (signal: AbortSignal) => Promise<Via> {
  if (target.protocol === 'http:') return async () => forwardRoute(target, proxy);
  return async (signal) => {
    const socket = await tunnelTls(target, proxy, { signal, ...(ca ? { ca } : {}) });
    return { createConnection: () => socket };
  };
}

/** Webhook URLs carry their secret in the path: logs get the host only. */
export function redact(url: URL): string {
  return `${url.protocol}//${url.host}/...`;
}
