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

/** A hey command line as written: flag values, -H headers, switches and positional arguments. */
interface HeyWords {
  readonly values: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly switches: ReadonlySet<string>;
  readonly positional: readonly string[];
}

/** How much load to send, read from -n, -c, -t, -q and -z. */
interface HeyLoad {
  readonly requests: number;
  readonly concurrency: number;
  readonly timeoutSeconds: number;
  readonly rate: number;
  readonly durationMs?: number;
}

// Each reader below returns its value or, as a string, the error that stops the parse.

/** The arguments sorted by kind: flag values, headers, switches, the rest. */
function readWords(args: readonly string[]): HeyWords | string {
  const values: Record<string, string> = {};
  const headers: Record<string, string> = {};
  const switches = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.replace(/^--?/, '').split(/=(.*)/s, 2);
    if (UNSUPPORTED.has(name)) return `hey flag -${name} is not supported by the built-in load generator`;
    if (BOOL_FLAGS.has(name)) {
      switches.add(name);
      continue;
    }
    if (!VALUE_FLAGS.has(name)) return `unknown hey flag -${name}`;
    const value = inline ?? args[++i];
    if (value === undefined) return `hey flag -${name} needs a value`;
    if (name !== 'H') {
      values[name] = value;
      continue;
    }
    const colon = value.indexOf(':');
    if (colon <= 0) return `hey header ${JSON.stringify(value)} is not "Name: value"`;
    headers[value.slice(0, colon).trim()] = value.slice(colon + 1).trim();
  }
  return { values, headers, switches, positional };
}

/** The one positional argument, an http or https URL. */
function readUrl(positional: readonly string[]): URL | string {
  if (positional.length !== 1) return `hey needs exactly one URL, got ${positional.length ? positional.join(' ') : 'none'}`;
  let url: URL;
  try {
    url = new URL(positional[0]);
  } catch {
    return `hey URL ${JSON.stringify(positional[0])} is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `hey URL must be http or https, got ${url.protocol}`;
  return url;
}

/** A flag that takes a whole number, `dflt` when it is not given. */
function wholeNumber(values: HeyWords['values'], name: string, dflt: number): number | string {
  if (values[name] === undefined) return dflt;
  const n = Number(values[name]);
  return Number.isInteger(n) && n >= 0 ? n : `hey flag -${name} must be a whole number, got ${JSON.stringify(values[name])}`;
}

/** The -z duration in milliseconds, undefined when -z is not given. */
function duration(values: HeyWords['values']): number | undefined | string {
  if (values.z === undefined) return undefined;
  try {
    return parseDuration(values.z);
  } catch {
    return `hey flag -z must be a duration like 30s or 2m, got ${JSON.stringify(values.z)}`;
  }
}

/** The load flags, checked against each other and against the ceilings. */
function readLoad(values: HeyWords['values']): HeyLoad | string {
  const requests = wholeNumber(values, 'n', 200);
  const concurrency = wholeNumber(values, 'c', 50);
  const timeoutSeconds = wholeNumber(values, 't', 20);
  if (typeof requests === 'string') return requests;
  if (typeof concurrency === 'string') return concurrency;
  if (typeof timeoutSeconds === 'string') return timeoutSeconds;
  const rate = values.q === undefined ? 0 : Number(values.q);
  if (!Number.isFinite(rate) || rate < 0) return `hey flag -q must be a number, got ${JSON.stringify(values.q)}`;
  const durationMs = duration(values);
  if (typeof durationMs === 'string') return durationMs;
  if (concurrency < 1) return 'hey flag -c must be at least 1';
  if (concurrency > MAX_CONCURRENCY) return `hey flag -c is capped at ${MAX_CONCURRENCY}`;
  if (rate > MAX_RATE_PER_WORKER) return `hey flag -q is capped at ${MAX_RATE_PER_WORKER}`;
  if (durationMs === undefined && requests < concurrency) return 'hey: -n cannot be less than -c';
  return { requests, concurrency, timeoutSeconds, rate, ...(durationMs !== undefined ? { durationMs } : {}) };
}

/** The -H headers with those that -T, -A, -a and -d imply. */
function allHeaders(words: HeyWords): Record<string, string> | string {
  const { values } = words;
  const headers = { ...words.headers };
  if (values.T) headers['Content-Type'] = values.T;
  if (values.A) headers.Accept = values.A;
  if (values.a) {
    if (!values.a.includes(':')) return 'hey flag -a must be user:password';
    headers.Authorization = `Basic ${Buffer.from(values.a).toString('base64')}`;
  }
  if (values.d !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'text/html';
  return headers;
}

/** The options that hey's arguments (the words after `hey`) ask for, or the first thing wrong with them. */
export function parseHeyArgs(args: readonly string[]): HeyParse {
  const words = readWords(args);
  if (typeof words === 'string') return { ok: false, error: words };
  const url = readUrl(words.positional);
  if (typeof url === 'string') return { ok: false, error: url };
  const load = readLoad(words.values);
  if (typeof load === 'string') return { ok: false, error: load };
  const headers = allHeaders(words);
  if (typeof headers === 'string') return { ok: false, error: headers };
  const { values } = words;
  return {
    ok: true,
    options: {
      url: url.toString(),
      ...(load.durationMs !== undefined ? { durationMs: load.durationMs } : {}),
      requests: load.requests,
      concurrency: load.concurrency,
      ratePerWorker: load.rate,
      method: (values.m ?? 'GET').toUpperCase(),
      headers,
      ...(values.host ? { host: values.host } : {}),
      ...(values.d !== undefined ? { body: values.d } : {}),
      timeoutMs: load.timeoutSeconds * 1000,
      keepAlive: !words.switches.has('disable-keepalive'),
    },
  };
}
