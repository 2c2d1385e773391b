// The built-in load generator behind `hey ...` commands: -c workers, each sending requests one
// after another, paced at -q per second when asked, for -z or until -n requests are done.
// Pacing is against a schedule (start + k/rate), not sleeps after each request, so a slow
// response does not lower the rate the worker catches up to. Each request is one bounded
// exchange: -t is a deadline over all of it, body included, answers are counted (never kept)
// against a cap, and an abort ends the requests in flight too. At -z the run ends, requests in
// flight included, as hey exits then. Latencies are summarised in bounded memory.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { boundedRequest, ExchangeError } from '../io/bounded-request.js';
import type { HeyOptions } from './hey-options.js';
import { LatencySummary } from './latency-summary.js';

/** Larger answers count as errors: a load test measures an app, not a download. */
export const DEFAULT_TARGET_RESPONSE_BYTES = 10 * 1024 * 1024;

/** With -t 0 (hey's "no timeout") a request still ends within this. */
export const NO_TIMEOUT_CEILING_MS = 10 * 60_000;

export interface LoadResult {
  readonly startedAt: number;
  readonly totalMs: number;
  /** Response latencies in ms of the answered requests: exact count, min, max, mean; sampled percentiles. */
  readonly latency: LatencySummary;
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
  /** @default DEFAULT_TARGET_RESPONSE_BYTES */
  readonly maxResponseBytes?: number;
  /** @default DEFAULT_LATENCY_SAMPLES */
  readonly latencySamples?: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) {
      resolve();
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', done);
      resolve();
    }, ms);
    const done = () => {
      clearTimeout(t);
      resolve();
    };
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
  const deadlineMs = options.timeoutMs > 0 ? options.timeoutMs : NO_TIMEOUT_CEILING_MS;
  const maxResponseBytes = hooks.maxResponseBytes ?? DEFAULT_TARGET_RESPONSE_BYTES;

  const latency = new LatencySummary(hooks.latencySamples);
  const statusCodes: Record<number, number> = {};
  const errors: Record<string, number> = {};
  const startedAt = Date.now();
  const start = now();
  const deadline = options.durationMs !== undefined ? start + options.durationMs : Infinity;
  const perWorker = options.durationMs !== undefined ? Infinity : Math.floor(options.requests / options.concurrency);
  const intervalMs = options.ratePerWorker > 0 ? 1000 / options.ratePerWorker : 0;
  // Ends the run: the caller's abort, or -z elapsing (which also cuts the requests in flight).
  const ending = new AbortController();
  const follow = () => ending.abort(hooks.signal?.reason);
  if (hooks.signal?.aborted) follow();
  else hooks.signal?.addEventListener('abort', follow, { once: true });
  const durationTimer =
    options.durationMs !== undefined ? setTimeout(() => ending.abort(new Error(`-z ${options.durationMs} ms elapsed`)), options.durationMs) : undefined;
  const signal = ending.signal;

  const once = async () => {
    const sent = now();
    try {
      const res = await boundedRequest({
        url: target,
        method: options.method,
        headers,
        ...(body ? { body } : {}),
        agent,
        deadlineMs,
        maxResponseBytes,
        discardBody: true,
        signal,
      });
      latency.add(now() - sent);
      statusCodes[res.status] = (statusCodes[res.status] ?? 0) + 1;
      hooks.onResult?.(res.status);
    } catch (err) {
      // Requests cut short by our own abort or by -z are not the target's failures.
      if (signal.aborted) return;
      const message = err instanceof ExchangeError ? (err.code ?? err.message) : String(err);
      errors[message] = (errors[message] ?? 0) + 1;
      hooks.onResult?.(0);
    }
  };

  const worker = async () => {
    for (let k = 0; k < perWorker; k++) {
      if (signal.aborted) return;
      const due = start + k * intervalMs;
      if (due >= deadline) return;
      await sleep(due - now(), signal);
      if (signal.aborted || now() >= deadline) return;
      await once();
    }
  };

  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    clearTimeout(durationTimer);
    hooks.signal?.removeEventListener('abort', follow);
    agent.destroy();
  }
  return { startedAt, totalMs: now() - start, latency, statusCodes, errors };
}

/** hey's closing summary, so the load tester's log reads like the original's. */
export function summarize(result: LoadResult): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(4)} secs`;
  const l = result.latency;
  const answered = l.count;
  const failed = Object.values(result.errors).reduce((a, b) => a + b, 0);
  const lines = [
    'Summary:',
    `  Total:\t${s(result.totalMs)}`,
    ...(answered ? [`  Slowest:\t${s(l.max)}`, `  Fastest:\t${s(l.min)}`, `  Average:\t${s(l.mean)}`] : []),
    `  Requests/sec:\t${((answered + failed) / Math.max(result.totalMs / 1000, 1e-9)).toFixed(4)}`,
    '',
    ...(answered ? ['Latency distribution:', ...[10, 25, 50, 75, 90, 95, 99].map((p) => `  ${p}% in ${s(l.percentile(p))}`), ''] : []),
    'Status code distribution:',
    ...Object.entries(result.statusCodes).map(([code, n]) => `  [${code}]\t${n} responses`),
  ];
  if (failed) lines.push('', 'Error distribution:', ...Object.entries(result.errors).map(([e, n]) => `  [${n}]\t${e}`));
  return lines.join('\n');
}
