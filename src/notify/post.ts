// The one place notifications touch the network: POST a rendered message as JSON, directly or
// through an HTTP proxy, with a deadline, and fail on any status outside 2xx with the body.
import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { OutgoingMessage } from './destination.js';
import { forwardRoute, tunnelTls } from './proxy.js';

export interface PostOptions {
  /** Default 5000: an unreachable chat service must not hold up a rollout for long. */
  readonly timeoutMs?: number;
  readonly proxy?: string;
  /** Extra CA certificates to trust (PEM), e.g. a corporate TLS-inspecting proxy's. */
  readonly ca?: string | Buffer;
}

export type PostJson = (message: OutgoingMessage, options?: PostOptions) => Promise<{ status: number; body: string }>;

const MAX_BODY = 16 * 1024;

export const postJson: PostJson = async (message, options = {}) => {
  const timeoutMs = options.timeoutMs ?? 5000;
  const target = new URL(message.url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(`unsupported URL scheme ${target.protocol} in ${redact(target)}`);
  const data = Buffer.from(JSON.stringify(message.body));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(data.length),
    'user-agent': 'sluice',
    ...message.headers,
  };
  const base: RequestOptions = { method: 'POST', headers, timeout: timeoutMs };

  let req: ClientRequest;
  const proxy = options.proxy ? new URL(options.proxy) : undefined;
  if (proxy && target.protocol === 'http:') {
    const route = forwardRoute(target, proxy);
    req = httpRequest({ ...base, host: route.host, port: route.port, path: route.path, headers: { ...headers, ...route.headers } });
  } else if (proxy) {
    const socket = await tunnelTls(target, proxy, { timeoutMs, ...(options.ca ? { ca: options.ca } : {}) });
    req = httpsRequest(target, { ...base, createConnection: () => socket });
  } else {
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    req = send(target, { ...base, ...(options.ca ? { ca: options.ca } : {}) });
  }

  return new Promise((resolve, reject) => {
    req.once('response', (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { if (body.length < MAX_BODY) body += chunk; });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve({ status, body });
        else reject(new Error(`${redact(target)} answered ${status}: ${body.trim().slice(0, 300) || res.statusMessage || ''}`.trim()));
      });
      res.on('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`${redact(target)} did not answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end(data);
  });
};

/** Webhook URLs carry their secret in the path: logs get the host only. */
export function redact(url: URL): string {
  return `${url.protocol}//${url.host}/...`;
}
