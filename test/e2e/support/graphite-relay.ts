// The app's own Graphite reporting, for rollouts on the local control plane: no container runs
// (kwok), so nothing would send a canary's request counts to carbon. This relay stands in for the
// app's metrics reporter. Every second it reads the traffic generator's Istio request counters
// (the requests each pod version really answered, with the error rate of its pod template), and
// sends each workload's requests of that second to carbon, by outcome, as Micrometer's
// httpServerRequests do:
//   stats.timers.httpServerRequests.<namespace>.app.<workload>.outcome.<OUTCOME>.count
// The namespace is in the path so that rollouts in several namespaces share one Graphite.
import type { RunningGraphite } from '../../integration/support/graphite.js';

export interface GraphiteRelay {
  /** Paths sent so far (for a test's failure message). */
  readonly paths: ReadonlySet<string>;
  stop(): Promise<void>;
}

/** Micrometer's Outcome of a status code. */
export function outcomeOf(status: number): string {
  if (status >= 100 && status < 200) return 'INFORMATIONAL';
  if (status < 300) return 'SUCCESS';
  if (status < 400) return 'REDIRECTION';
  if (status < 500) return 'CLIENT_ERROR';
  if (status < 600) return 'SERVER_ERROR';
  return 'UNKNOWN';
}

export interface CounterSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of one counter in a Prometheus text exposition. */
export function parseCounter(text: string, name: string): CounterSample[] {
  const out: CounterSample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf('}');
    const labels: Record<string, string> = {};
    for (const m of line.slice(name.length + 1, close).matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const value = Number(
      line
        .slice(close + 1)
        .trim()
        .split(/\s+/)[0],
    );
    if (Number.isFinite(value)) out.push({ labels, value });
  }
  return out;
}

export function graphitePath(namespace: string, workload: string, outcome: string): string {
  return `stats.timers.httpServerRequests.${namespace}.app.${workload}.outcome.${outcome}.count`;
}

/**
 * Requests per path in one scrape, from counter deltas. A series first seen after the first
 * scrape started at zero; a counter that went down was reset (the generator drops idle series).
 */
export function deltasOf(previous: Map<string, number> | undefined, samples: readonly CounterSample[], current: Map<string, number>): Map<string, number> {
  const perPath = new Map<string, number>();
  for (const s of samples) {
    const { destination_workload: workload, destination_workload_namespace: namespace, response_code: code, reporter } = s.labels;
    if (reporter !== 'destination' || !workload || !namespace) continue;
    const key = JSON.stringify(s.labels);
    current.set(key, s.value);
    if (!previous) continue;
    const before = previous.get(key) ?? 0;
    const delta = s.value >= before ? s.value - before : s.value;
    const path = graphitePath(namespace, workload, outcomeOf(Number(code)));
    perPath.set(path, (perPath.get(path) ?? 0) + delta);
  }
  return perPath;
}

/**
 * Relays the generator's Istio counters of `namespaces` to carbon once a second. Each point is the
 * total of its second so far, re-sent when a later scrape falls in the same second (carbon keeps
 * the last write of a timestamp); every path once seen gets a point each second, 0 included.
 */
export function startGraphiteRelay(trafficUrl: string, graphite: RunningGraphite, namespaces: readonly string[]): GraphiteRelay {
  const wanted = new Set(namespaces);
  const paths = new Set<string>();
  let previous: Map<string, number> | undefined;
  let second = 0;
  let totals = new Map<string, number>();
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const tick = async () => {
    const text = await (await fetch(`${trafficUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    const samples = parseCounter(text, 'istio_requests_total').filter((s) => wanted.has(s.labels.destination_workload_namespace));
    const current = new Map<string, number>();
    const deltas = deltasOf(previous, samples, current);
    previous = current;
    const now = Math.floor(Date.now() / 1000);
    if (now !== second) {
      second = now;
      totals = new Map([...paths].map((p) => [p, 0]));
    }
    for (const [path, n] of deltas) {
      paths.add(path);
      totals.set(path, (totals.get(path) ?? 0) + n);
    }
    if (totals.size) await graphite.send([...totals].map(([path, value]) => ({ path, value, at: second })));
  };
  const timer = setInterval(() => {
    if (stopped) return;
    // One scrape at a time; a failed one (the generator restarting) is skipped, not fatal.
    running = running.then(tick).catch(() => undefined);
  }, 1_000);
  return {
    paths,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
