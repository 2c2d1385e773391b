// Local stand-ins for chat services and proxies, all on loopback: an HTTP(S) receiver that
// records what it is sent, and an HTTP proxy that forwards plain requests and tunnels CONNECT.
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { createServingCertificate } from '../../../src/admission/certificates.js';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** Status the next requests get (default 200). */
  status: number;
  close(): Promise<void>;
}

const listen = (server: Server) => new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));
const closeServer = (server: Server) =>
  new Promise<void>((r) => {
    server.closeAllConnections?.();
    server.close(() => r());
  });

/** An HTTP receiver; with `tls`, an HTTPS one whose certificate names 127.0.0.1 (its CA is returned). */
export async function startReceiver(opts: { tls?: boolean } = {}): Promise<Receiver & { ca?: string }> {
  const received: Received[] = [];
  const state = { status: 200 };
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: raw ? JSON.parse(raw) : undefined });
      res.writeHead(state.status, { 'content-type': 'text/plain' });
      res.end(state.status < 300 ? 'ok' : 'invalid_payload');
    });
  };
  let server: Server;
  let ca: string | undefined;
  if (opts.tls) {
    const cert = createServingCertificate({ dnsNames: ['receiver.test'], ipAddresses: ['127.0.0.1'], keyBits: 1024 });
    ca = cert.caCert;
    server = createHttpsServer({ cert: cert.cert, key: cert.key }, handler) as unknown as Server;
  } else {
    server = createServer(handler);
  }
  const port = await listen(server);
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    received,
    get status() {
      return state.status;
    },
    set status(v: number) {
      state.status = v;
    },
    close: () => closeServer(server),
    ...(ca ? { ca } : {}),
  };
}

export interface Proxy {
  readonly url: string;
  /** "GET http://host/path" for forwarded requests, "CONNECT host:port" for tunnels. */
  readonly seen: { line: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export async function startProxy(): Promise<Proxy> {
  const seen: Proxy['seen'] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    seen.push({ line: `${req.method} ${req.url}`, headers: req.headers });
    const target = new URL(req.url ?? '');
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    seen.push({ line: `CONNECT ${req.url}`, headers: req.headers });
    const [host, port] = (req.url ?? '').split(':');
    const upstream = netConnect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    sockets.add(client);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  const port = await listen(server);
  return {
    url: `http://user:s3cret@127.0.0.1:${port}`,
    seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      await closeServer(server);
    },
  };
}
