import { cpus, loadavg } from 'node:os';

// Small statistics and the row format every benchmark prints: `| what | figure | detail | samples |`.

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / (values.length || NaN);

export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function seconds(valueMs: number): string {
  return Number.isFinite(valueMs) ? `${(valueMs / 1000).toFixed(1)} s` : 'n/a';
}

export const goal = (met: boolean): string => (met ? 'goal met' : 'GOAL MISSED');

/** Prints one Markdown row on stdout (the only lines bench/run.ts collects). */
export function row(what: string, figure: string, detail: string, samples: string | number): void {
  const clean = (s: string | number) => String(s).replace(/\|/g, '/').replace(/\n/g, ' ');
  console.log(`| ${clean(what)} | ${clean(figure)} | ${clean(detail)} | ${clean(samples)} |`);
}

/** Progress and diagnostics go to stderr, so they never mix with the rows. */
export function say(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 23)}] ${message}\n`);
}

export const sleep = (msDelay: number) => new Promise<void>((r) => setTimeout(r, msDelay));

/** Runs `fn` over items with at most `limit` in flight. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}

/** "load 3.1/2.9 on 2 cores": the 1-minute load average at two moments; others' work shows here. */
export function loadNote(startLoad: number): string {
  return `load avg ${startLoad.toFixed(1)}->${loadavg()[0].toFixed(1)} on ${cpus().length} cores`;
}
