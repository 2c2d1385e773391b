// A raw HTTP/1.1-over-TLS client for fuzzing a server: it sends exactly the bytes it is given
// (any framing, a broken head, a body dripped a byte at a time), stops sending once an answer has
// arrived, and reports the first answer and whether the server closed the connection.
import { connect, type TLSSocket } from 'node:tls';

export interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface RawOutcome {
  /** The first answer, when one arrived in full. */
  readonly answer?: RawAnswer;
  /** The server closed (or reset) the connection before or after answering. */
  readonly closedByServer: boolean;
  /** All parts were written before the answer came or the connection ended. */
  readonly sentAll: boolean;
}

export interface RawExchangeOptions {
  readonly port: number;
  readonly ca: string;
  /** Pause between parts (a slow client); 0 writes them back to back, with backpressure. */
  readonly gapMs?: number;
  /** Give up (and close) after this long; the outcome then has no answer and closedByServer false. */
  readonly giveUpMs?: number;
  /** Stop after the first `parts` parts until `until` settles, then send the rest. */
  readonly pause?: { readonly after: number; readonly until: Promise<unknown> };
}

/** Writes `parts` over one TLS connection to 127.0.0.1 and reads the first answer. */
export function rawExchange(parts: readonly (string | Buffer)[], options: RawExchangeOptions): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket: TLSSocket = connect({ host: '127.0.0.1', port: options.port, ca: options.ca });
    let received = Buffer.alloc(0);
    let answer: RawAnswer | undefined;
    let sentAll = false;
    let finished = false;
    const giveUp = setTimeout(() => finish(false), options.giveUpMs ?? 60_000);
    const finish = (closedByServer: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ ...(answer ? { answer } : {}), closedByServer, sentAll });
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      answer ??= parseAnswer(received);
      // One answer is all this client asks for; the rest of what it meant to send is moot.
      if (answer) finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.once('secureConnect', async () => {
      for (const [index, part] of parts.entries()) {
        if (finished) return;
        if (options.pause?.after === index) await options.pause.until;
        if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
        if (finished || socket.destroyed) return;
        if (!socket.write(part)) await drained(socket);
      }
      sentAll = true;
    });
  });
}

/** Resolves when the socket can take more, or has closed. */
function drained(socket: TLSSocket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

/** A complete answer at the start of `bytes` (Content-Length framing, as the server sends), if any. */
function parseAnswer(bytes: Buffer): RawAnswer | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = bytes.subarray(end + 4);
  if (body.length < length) return undefined;
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.subarray(0, length).toString('utf8') };
}

/** The head of a request: request line, Host, the given headers, blank line. */
export function requestHead(method: string, path: string, headers: Readonly<Record<string, string>>): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** `body` as chunked transfer coding, cut at the given offsets. */
export function chunked(body: Buffer, cuts: readonly number[]): Buffer[] {
  const edges = [0, ...[...cuts].filter((c) => c > 0 && c < body.length).sort((a, b) => a - b), body.length];
  const out: Buffer[] = [];
  for (let i = 1; i < edges.length; i++) {
    const piece = body.subarray(edges[i - 1], edges[i]);
    if (piece.length) out.push(Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]));
  }
  out.push(Buffer.from('0\r\n\r\n'));
  return out;
}
