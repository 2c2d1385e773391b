// The command line of `hey` (github.com/rakyll/hey), the load generator Flagger's load tester
// ships, read into options for the built-in generator. Flags follow Go's flag package: "-z 2m",
// "-z=2m" or "--z 2m"; one positional argument, the URL.
import { parseDuration } from '../api/duration.js';

export interface HeyOptions {
  readonly url: string;
  /** Run for this long (-z); when set, -n is ignored. */
  readonly durationMs?: number;
  /** Total requests (-n, default 200), shared by the workers. */
  readonly requests: number;
  /** Concurrent workers (-c, default 50). */
  readonly concurrency: number;
  /** Requests per second per worker (-q); 0 means as fast as possible. */
  readonly ratePerWorker: number;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly host?: string;
  readonly body?: string;
  /** Per-request timeout (-t, seconds, default 20; 0 means none). */
  readonly timeoutMs: number;
  readonly keepAlive: boolean;
}

export type HeyParse = { ok: true; options: HeyOptions } | { ok: false; error: string };

/** Ceilings that keep one webhook from turning the tester into a flood. */
export const MAX_CONCURRENCY = 1000;
export const MAX_RATE_PER_WORKER = 10_000;

const VALUE_FLAGS = new Set(['n', 'c', 'q', 'z', 'm', 'H', 'host', 'd', 'T', 'a', 't', 'cpus', 'A']);
const BOOL_FLAGS = new Set(['disable-compression', 'disable-keepalive', 'disable-redirects']);
const UNSUPPORTED = new Set(['D', 'x', 'o', 'h2']);

/** True when `words` invoke hey (by name or path). */
export const isHey = (words: readonly string[]) => words.length > 0 && /(^|\/)hey$/.test(words[0]);

export function parseHeyArgs(args: readonly string[]): HeyParse {
  const values: Record<string, string> = {};
  const headers: Record<string, string> = {};
  const flags = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const [rawName, inline] = arg.replace(/^--?/, '').split(/=(.*)/s, 2);
    const name = rawName;
    if (UNSUPPORTED.has(name)) return { ok: false, error: `hey flag -${name} is not supported by the built-in load generator` };
    if (BOOL_FLAGS.has(name)) {
      flags.add(name);
      continue;
    }
    if (!VALUE_FLAGS.has(name)) return { ok: false, error: `unknown hey flag -${name}` };
    const value = inline ?? args[++i];
    if (value === undefined) return { ok: false, error: `hey flag -${name} needs a value` };
    if (name === 'H') {
      const colon = value.indexOf(':');
      if (colon <= 0) return { ok: false, error: `hey header ${JSON.stringify(value)} is not "Name: value"` };
      headers[value.slice(0, colon).trim()] = value.slice(colon + 1).trim();
    } else {
      values[name] = value;
    }
  }
  if (positional.length !== 1) return { ok: false, error: `hey needs exactly one URL, got ${positional.length ? positional.join(' ') : 'none'}` };
  let url: URL;
  try {
    url = new URL(positional[0]);
  } catch {
    return { ok: false, error: `hey URL ${JSON.stringify(positional[0])} is not a URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, error: `hey URL must be http or https, got ${url.protocol}` };

  const int = (name: string, dflt: number): number | string => {
    if (values[name] === undefined) return dflt;
    const n = Number(values[name]);
    return Number.isInteger(n) && n >= 0 ? n : `hey flag -${name} must be a whole number, got ${JSON.stringify(values[name])}`;
  };
  const requests = int('n', 200);
  const concurrency = int('c', 50);
  const timeoutSeconds = int('t', 20);
  for (const v of [requests, concurrency, timeoutSeconds]) if (typeof v === 'string') return { ok: false, error: v };
  const rate = values.q === undefined ? 0 : Number(values.q);
  if (!Number.isFinite(rate) || rate < 0) return { ok: false, error: `hey flag -q must be a number, got ${JSON.stringify(values.q)}` };
  let durationMs: number | undefined;
  if (values.z !== undefined) {
    try {
      durationMs = parseDuration(values.z);
    } catch {
      return { ok: false, error: `hey flag -z must be a duration like 30s or 2m, got ${JSON.stringify(values.z)}` };
    }
  }
  const c = concurrency as number;
  if (c < 1) return { ok: false, error: 'hey flag -c must be at least 1' };
  if (c > MAX_CONCURRENCY) return { ok: false, error: `hey flag -c is capped at ${MAX_CONCURRENCY}` };
  if (rate > MAX_RATE_PER_WORKER) return { ok: false, error: `hey flag -q is capped at ${MAX_RATE_PER_WORKER}` };
  if (durationMs === undefined && (requests as number) < c) return { ok: false, error: 'hey: -n cannot be less than -c' };

  const allHeaders = { ...headers };
  if (values.T) allHeaders['Content-Type'] = values.T;
  if (values.A) allHeaders.Accept = values.A;
  if (values.a) {
    if (!values.a.includes(':')) return { ok: false, error: 'hey flag -a must be user:password' };
    allHeaders.Authorization = `Basic ${Buffer.from(values.a).toString('base64')}`;
  }
  if (values.d !== undefined && !Object.keys(allHeaders).some((h) => h.toLowerCase() === 'content-type')) allHeaders['Content-Type'] = 'text/html';
  return {
    ok: true,
    options: {
      url: url.toString(),
      ...(durationMs !== undefined ? { durationMs } : {}),
      requests: requests as number,
      concurrency: c,
      ratePerWorker: rate,
      method: (values.m ?? 'GET').toUpperCase(),
      headers: allHeaders,
      ...(values.host ? { host: values.host } : {}),
      ...(values.d !== undefined ? { body: values.d } : {}),
      timeoutMs: (timeoutSeconds as number) * 1000,
      keepAlive: !flags.has('disable-keepalive'),
    },
  };
}
