// The built-in load generator behind `hey ...` commands: -c workers, each sending requests one
// after another, paced at -q per second when asked, for -z or until -n requests are done.
// Pacing is against a schedule (start + k/rate), not sleeps after each request, so a slow
// response does not lower the rate the worker catches up to.
import { Agent as HttpAgent, request as httpRequest, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { HeyOptions } from './hey-options.js';

export interface LoadResult {
  readonly startedAt: number;
  readonly totalMs: number;
  /** Response latencies in ms, one per answered request. */
  readonly latenciesMs: number[];
  /** Answered requests by status code. */
  readonly statusCodes: Record<number, number>;
  /** Failed requests (no response) by error message. */
  readonly errors: Record<string, number>;
}

export interface LoadHooks {
  /** Aborts the run (task timeout, shutdown). */
  readonly signal?: AbortSignal;
  /** Called once per request with its status code, or 0 when it failed. */
  readonly onResult?: (status: number) => void;
  readonly now?: () => number;
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  if (ms <= 0 || signal?.aborted) { resolve(); return; }
  const t = setTimeout(() => { signal?.removeEventListener('abort', done); resolve(); }, ms);
  const done = () => { clearTimeout(t); resolve(); };
  signal?.addEventListener('abort', done, { once: true });
});

export async function runLoad(options: HeyOptions, hooks: LoadHooks = {}): Promise<LoadResult> {
  const now = hooks.now ?? (() => performance.now());
  const target = new URL(options.url);
  const https = target.protocol === 'https:';
  const agent = https
    ? new HttpsAgent({ keepAlive: options.keepAlive, maxSockets: options.concurrency })
    : new HttpAgent({ keepAlive: options.keepAlive, maxSockets: options.concurrency });
  const headers: Record<string, string> = { 'user-agent': 'hey/0.0.1 (sluice)', ...options.headers };
  if (options.host) headers.host = options.host;
  const body = options.body !== undefined ? Buffer.from(options.body) : undefined;
  if (body) headers['content-length'] = String(body.length);
  const requestOptions: RequestOptions = { method: options.method, headers, agent, ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}) };

  const latenciesMs: number[] = [];
  const statusCodes: Record<number, number> = {};
  const errors: Record<string, number> = {};
  const startedAt = Date.now();
  const start = now();
  const deadline = options.durationMs !== undefined ? start + options.durationMs : Infinity;
  const perWorker = options.durationMs !== undefined ? Infinity : Math.floor(options.requests / options.concurrency);
  const intervalMs = options.ratePerWorker > 0 ? 1000 / options.ratePerWorker : 0;

  const once = () => new Promise<void>((resolve) => {
    const sent = now();
    const send = https ? httpsRequest : httpRequest;
    const req = send(target, requestOptions, (res) => {
      res.resume();
      res.once('end', () => {
        latenciesMs.push(now() - sent);
        const code = res.statusCode ?? 0;
        statusCodes[code] = (statusCodes[code] ?? 0) + 1;
        hooks.onResult?.(code);
        resolve();
      });
      res.once('error', (err) => fail(err));
    });
    const fail = (err: Error) => {
      const message = (err as NodeJS.ErrnoException).code ?? err.message;
      errors[message] = (errors[message] ?? 0) + 1;
      hooks.onResult?.(0);
      resolve();
    };
    req.once('timeout', () => req.destroy(new Error('request timeout')));
    req.once('error', fail);
    req.end(body);
  });

  const worker = async () => {
    for (let k = 0; k < perWorker; k++) {
      if (hooks.signal?.aborted) return;
      const due = start + k * intervalMs;
      if (due >= deadline) return;
      await sleep(due - now(), hooks.signal);
      if (hooks.signal?.aborted || now() >= deadline) return;
      await once();
    }
  };

  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return { startedAt, totalMs: now() - start, latenciesMs, statusCodes, errors };
}

/** hey's closing summary, so the load tester's log reads like the original's. */
export function summarize(result: LoadResult): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(4)} secs`;
  const l = result.latenciesMs;
  const answered = l.length;
  const failed = Object.values(result.errors).reduce((a, b) => a + b, 0);
  const lines = [
    'Summary:',
    `  Total:\t${s(result.totalMs)}`,
    ...(answered ? [
      `  Slowest:\t${s(Math.max(...l))}`,
      `  Fastest:\t${s(Math.min(...l))}`,
      `  Average:\t${s(l.reduce((a, b) => a + b, 0) / answered)}`,
    ] : []),
    `  Requests/sec:\t${((answered + failed) / Math.max(result.totalMs / 1000, 1e-9)).toFixed(4)}`,
    '',
    'Status code distribution:',
    ...Object.entries(result.statusCodes).map(([code, n]) => `  [${code}]\t${n} responses`),
  ];
  if (failed) lines.push('', 'Error distribution:', ...Object.entries(result.errors).map(([e, n]) => `  [${n}]\t${e}`));
  return lines.join('\n');
}
