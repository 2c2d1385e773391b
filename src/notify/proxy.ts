// Reaching a webhook through an HTTP proxy, with node's own http/tls (no extra dependency):
// plain http targets get the absolute URL sent to the proxy (a forward proxy request); https
// targets get a CONNECT tunnel, and TLS to the real host runs inside it, so the proxy never
// sees the message. Credentials in the proxy URL become Proxy-Authorization.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { isIP, type Socket } from 'node:net';

export interface ProxyRoute {
  /** Where the TCP connection goes. */
  readonly host: string;
  readonly port: number;
  /** Request target: the absolute URL for a forward proxy request. */
  readonly path: string;
  readonly headers: Record<string, string>;
}

/** Proxy-Authorization for a proxy URL with user:password, else nothing. */
export function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

const portOf = (u: URL) => Number(u.port || (u.protocol === 'https:' ? 443 : 80));

/** How a plain-http request reaches `target` through `proxy` (pure). */
export function forwardRoute(target: URL, proxy: URL): ProxyRoute {
  return {
    host: proxy.hostname,
    port: portOf(proxy),
    path: target.toString(),
    headers: { host: target.host, ...proxyAuthorization(proxy) },
  };
}

/** Opens a CONNECT tunnel through `proxy` to `target` and starts TLS inside it; `signal` ends the attempt. */
export function tunnelTls(target: URL, proxy: URL, options: { signal: AbortSignal; ca?: string | Buffer }): Promise<TLSSocket> {
  const authority = `${target.hostname}:${portOf(target)}`;
  const { signal } = options;
  return new Promise((resolve, reject) => {
    let tls: TLSSocket | undefined;
    const connect = httpRequest({
      host: proxy.hostname,
      port: portOf(proxy),
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...proxyAuthorization(proxy) },
    });
    const onAbort = () => {
      connect.destroy();
      tls?.destroy();
      reject(signal.reason);
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => signal.removeEventListener('abort', onAbort);
    connect.once('connect', (res: IncomingMessage, socket: Socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        done();
        reject(new Error(`proxy ${proxy.host} refused CONNECT ${authority}: ${res.statusCode} ${res.statusMessage ?? ''}`.trim()));
        return;
      }
      // SNI carries host names only; an IP address target is verified against the certificate's IP SANs.
      tls = tlsConnect({
        socket,
        host: target.hostname,
        ...(isIP(target.hostname) ? {} : { servername: target.hostname }),
        ...(options.ca ? { ca: options.ca } : {}),
      });
      tls.once('secureConnect', () => {
        done();
        resolve(tls!);
      });
      tls.once('error', (err) => {
        done();
        reject(err);
      });
    });
    connect.once('error', (err) => {
      done();
      reject(err);
    });
    connect.end();
  });
}
