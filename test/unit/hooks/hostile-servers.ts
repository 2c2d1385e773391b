// Real local HTTP servers that misbehave the way a hostile or broken endpoint does, for the
// deadline and size-cap tests of every outbound caller (hooks, notify, analysis, load tester).
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HostileServer {
  readonly url: string;
  /** Bytes the server managed to write before the client went away, summed over requests. */
  readonly written: () => number;
  close(): Promise<void>;
}

async function listen(handler: (res: ServerResponse, count: (n: number) => void) => void): Promise<HostileServer> {
  let written = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.once('end', () =>
      handler(res, (n) => {
        written += n;
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    written: () => written,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * Answers at once with headers, then one byte every `everyMs` (far below any idle timeout) up to
 * `totalBytes`, so only a deadline over the whole exchange ends the wait before the drip does.
 */
export function drippingServer(options: { everyMs?: number; totalBytes?: number; status?: number } = {}): Promise<HostileServer> {
  const everyMs = options.everyMs ?? 100;
  const total = options.totalBytes ?? 50;
  return listen((res, count) => {
    res.writeHead(options.status ?? 200, { 'content-type': 'application/json' });
    res.flushHeaders();
    let sent = 0;
    const timer = setInterval(() => {
      if (res.destroyed || sent >= total) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(' ');
      sent++;
      count(1);
    }, everyMs);
    res.once('close', () => clearInterval(timer));
  });
}

/**
 * Streams a body of `totalBytes` (default 64 MiB) as fast as the client reads it, without a
 * Content-Length, so a client that does not count what it reads keeps all of it.
 */
export function hugeBodyServer(options: { totalBytes?: number; status?: number; contentLength?: boolean } = {}): Promise<HostileServer> {
  const total = options.totalBytes ?? 64 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 'x');
  return listen((res, count) => {
    res.writeHead(options.status ?? 200, {
      'content-type': 'text/plain',
      ...(options.contentLength ? { 'content-length': String(total) } : {}),
    });
    let sent = 0;
    const pump = () => {
      while (sent < total && !res.destroyed) {
        const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += piece.length;
        count(piece.length);
        if (!res.write(piece)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!res.destroyed) res.end();
    };
    pump();
  });
}

/** Answers `status` with a plain-text body of `bytes` bytes at once (an error page). */
export function bigErrorServer(bytes: number, status = 500): Promise<HostileServer> {
  return listen((res, count) => {
    const body = Buffer.alloc(bytes, 'e');
    res.writeHead(status, { 'content-type': 'text/html', 'content-length': String(bytes) });
    res.end(body);
    count(bytes);
  });
}
