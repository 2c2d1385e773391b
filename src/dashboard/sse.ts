// One Server-Sent Events stream: named events of JSON data, a comment every 15 s so proxies and
// the browser keep an idle connection open, and coalescing, so a burst of watch events becomes one
// message with the latest state (the page only ever needs the latest).
import type { Request, Response } from 'express';

export interface EventStream {
  /** Sends `event` with the value `compute()` returns, once per tick however often it is asked. */
  push(event: string, compute: () => unknown): void;
  readonly closed: boolean;
  onClose(handler: () => void): void;
}

const HEARTBEAT_MS = 15_000;

export function openEventStream(req: Request, res: Response): EventStream {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    // Tells a buffering reverse proxy (nginx) to pass each message on at once.
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  res.write('retry: 2000\n\n');
  let closed = false;
  const closeHandlers: (() => void)[] = [];
  const pending = new Map<string, () => unknown>();
  let scheduled = false;
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  req.on('close', () => {
    closed = true;
    clearInterval(heartbeat);
    for (const h of closeHandlers) h();
  });
  const flush = () => {
    scheduled = false;
    if (closed) return;
    for (const [event, compute] of pending) res.write(`event: ${event}\ndata: ${JSON.stringify(compute())}\n\n`);
    pending.clear();
  };
  return {
    push(event, compute) {
      if (closed) return;
      pending.set(event, compute);
      if (!scheduled) {
        scheduled = true;
        setTimeout(flush, 50).unref();
      }
    },
    get closed() {
      return closed;
    },
    onClose(handler) {
      closeHandlers.push(handler);
    },
  };
}
