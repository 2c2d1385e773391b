// Go-style durations ("30s", "1m", "1h30m", "500ms", "1.5h"), as Flagger's CRDs and
// time.ParseDuration accept them. Sluice keeps every duration in milliseconds internally.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const TERM = /([0-9]*\.?[0-9]+|[0-9]+\.)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Go's longest time.Duration, 2^63-1 ns (about 292 years): Flagger refuses a longer one, and past
 * it a duration here is soon Infinity, no wait at all.
 */
export const MAX_DURATION_MS = Number(2n ** 63n - 1n) / 1e6;

/** Parses a non-negative Go duration into milliseconds; throws a message that quotes the input. */
export function parseDuration(text: string): number {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new Error(`invalid duration ${JSON.stringify(text)}: empty`);
  }
  const s = text.trim();
  if (s === '0') return 0;
  let total = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < s.length) {
    const at = TERM.lastIndex;
    const m = TERM.exec(s);
    if (!m) {
      throw new Error(`invalid duration ${JSON.stringify(text)}: expected a number and a unit (ns, us, ms, s, m, h) at "${s.slice(at)}"`);
    }
    total += Number(m[1]) * UNIT_MS[m[2]];
  }
  return total;
}

/** Graphite's spelling of a time offset, which Flagger's Graphite examples use for a metric's interval ("1min"). */
const GRAPHITE_OFFSET = /^([0-9]+)(s|sec|secs|second|seconds|min|mins|minute|minutes|h|hour|hours|d|day|days)$/;
const GRAPHITE_UNIT_MS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

/**
 * A metric's interval: a Go duration, or a Graphite offset such as "1min". The metric interval
 * is rendered into queries as written, and Graphite refuses "1m" (it reads m as no unit), so a
 * Graphite template needs the Graphite spelling; Flagger never parses it for Graphite.
 */
export function parseMetricInterval(text: string): number {
  const graphite = typeof text === 'string' ? GRAPHITE_OFFSET.exec(text.trim()) : null;
  if (graphite) return Number(graphite[1]) * GRAPHITE_UNIT_MS[graphite[2]];
  return parseDuration(text);
}

/** True when text parses as a Go duration. */
export function isDuration(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}

/** Formats milliseconds exactly as Go prints a time.Duration ("1m30s", "1h0m0s", "500ms", "0s"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${+ms.toFixed(3)}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = `${+((ms % 60_000) / 1000).toFixed(3)}s`;
  if (h) return `${h}h${m}m${s}`;
  if (m) return `${m}m${s}`;
  return s;
}
