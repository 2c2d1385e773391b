// `sluice status [canary] [-n ns] [-A] [--watch]`: where rollouts stand. Without a name, a table
// like `kubectl get canaries`; with one, that row, a bar of the traffic weight, every metric
// check's last value against its threshold (from status.metrics) and the Canary's last Events.
// --watch redraws it every --interval. The rendering functions are pure; only `statusCommand`
// talks to the cluster.
import { Command, Option } from 'commander';
import type { Canary, MetricCheckStatus } from '../api/types.js';
import { maxWeightOf, analysisOf } from '../api/defaults.js';
import { parseDuration } from '../api/duration.js';
import { loadKubeConfig, KubeClient, RESOURCES } from '../kube/index.js';

/** An Event as listed: events written by other clients may use eventTime instead of lastTimestamp. */
export interface ListedEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  metadata?: { creationTimestamp?: string };
}

// ---- pure rendering -------------------------------------------------------------------------

/** Left-aligned columns separated by three spaces, like kubectl's printer. */
export function table(header: string[], rows: string[][], indent = ''): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    indent +
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** kubectl's short ages: 45s, 12m, 3h, 5d. */
export function age(fromIso: string | undefined, now: number): string {
  if (!fromIso) return '<unknown>';
  const s = Math.max(0, Math.round((now - Date.parse(fromIso)) / 1000));
  if (!Number.isFinite(s)) return '<unknown>';
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

const cell = (v: unknown) => (v === undefined || v === null || v === '' ? '' : String(v));

/** The `kubectl get canaries` columns (NAMESPACE first with -A). */
export function canaryTable(canaries: readonly Canary[], opts: { allNamespaces?: boolean; bar?: boolean } = {}): string[] {
  const header = [
    ...(opts.allNamespaces ? ['NAMESPACE'] : []),
    'NAME',
    'STATUS',
    'WEIGHT',
    'FAILEDCHECKS',
    'LASTTRANSITIONTIME',
    ...(opts.bar ? ['PROGRESS'] : []),
  ];
  const rows = [...canaries]
    .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))
    .map((c) => [
      ...(opts.allNamespaces ? [cell(c.metadata.namespace)] : []),
      cell(c.metadata.name),
      cell(c.status?.phase),
      cell(c.status?.canaryWeight ?? 0),
      cell(c.status?.failedChecks ?? 0),
      cell(c.status?.lastTransitionTime),
      ...(opts.bar ? [weightBar(c, 20)] : []),
    ]);
  return table(header, rows);
}

/**
 * The canary's share of traffic as a bar 0..100%, with a `|` where maxWeight stops it, e.g.
 * "[#####.....|..........] 25% of max 50%". Blue/Green and A/B testing show their iteration.
 */
export function weightBar(canary: Canary, width = 40): string {
  const weight = Math.max(0, Math.min(100, canary.status?.canaryWeight ?? 0));
  const max = maxWeightOf(analysisOf(canary));
  const filled = Math.round((weight / 100) * width);
  const stop = Math.round((max / 100) * width);
  let bar = '';
  for (let i = 0; i < width; i++) bar += i < filled ? '#' : '.';
  if (stop > 0 && stop < width) bar = `${bar.slice(0, stop)}|${bar.slice(stop)}`;
  const iterations = analysisOf(canary)?.iterations;
  const extra = iterations ? ` iteration ${canary.status?.iterations ?? 0}/${iterations}` : '';
  return `[${bar}] ${weight}% of max ${max}%${extra}`;
}

const num = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toFixed(3))));

/** ">= 99", "<= 500", "99 .. 101", or "" without bounds. */
export function thresholdText(m: Pick<MetricCheckStatus, 'min' | 'max'>): string {
  if (m.min !== undefined && m.max !== undefined) return `${num(m.min)} .. ${num(m.max)}`;
  if (m.min !== undefined) return `>= ${num(m.min)}`;
  if (m.max !== undefined) return `<= ${num(m.max)}`;
  return '';
}

export function metricsTable(metrics: readonly MetricCheckStatus[], now: number): string[] {
  if (metrics.length === 0) return ['  (no metric checks recorded yet)'];
  return table(
    ['METRIC', 'VALUE', 'THRESHOLD', 'RESULT', 'CHECKED', 'MESSAGE'],
    metrics.map((m) => [
      m.name,
      m.value === undefined ? '-' : num(m.value),
      thresholdText(m),
      m.result,
      `${age(m.checkedAt, now)} ago`,
      m.result === 'pass' ? '' : cell(m.message),
    ]),
    '  ',
  );
}

/** The statistical judge's comparisons (metrics with sluiceJudge), or nothing when none has one. */
export function judgeTable(metrics: readonly MetricCheckStatus[]): string[] {
  const judged = metrics.filter((m) => m.judge);
  if (judged.length === 0) return [];
  const maybe = (v: number | undefined) => (v === undefined ? '-' : num(v));
  const effect = (m: MetricCheckStatus) => {
    const j = m.judge!;
    if (j.shift === undefined) return '-';
    const sign = j.shift > 0 ? '+' : '';
    return j.relativeShift !== undefined ? `${sign}${num(j.shift)} (${sign}${Math.round(j.relativeShift * 100)}%)` : `${sign}${num(j.shift)}`;
  };
  return table(
    ['METRIC', 'CANARY MEDIAN', 'PRIMARY MEDIAN', 'SHIFT', 'P-VALUE', 'SAMPLES', 'VERDICT'],
    judged.map((m) => [
      m.name,
      maybe(m.judge!.canaryMedian),
      maybe(m.judge!.primaryMedian),
      effect(m),
      m.judge!.pValue === undefined ? '-' : m.judge!.pValue < 0.001 ? '<0.001' : m.judge!.pValue.toFixed(3),
      m.judge!.canarySamples === undefined ? '-' : `${m.judge!.canarySamples}/${m.judge!.primarySamples ?? 0}`,
      m.judge!.classification === 'error' ? `error: ${cell(m.judge!.message)}` : m.judge!.classification,
    ]),
    '  ',
  );
}

const eventTime = (e: ListedEvent) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;

export function eventsTable(events: readonly ListedEvent[], now: number, limit = 10): string[] {
  if (events.length === 0) return ['  (no events)'];
  const recent = [...events].sort((a, b) => Date.parse(eventTime(a) ?? '') - Date.parse(eventTime(b) ?? '')).slice(-limit);
  return table(
    ['LAST SEEN', 'TYPE', 'REASON', 'MESSAGE'],
    recent.map((e) => [age(eventTime(e), now), cell(e.type), cell(e.reason), `${e.message ?? ''}${(e.count ?? 1) > 1 ? ` (x${e.count})` : ''}`]),
    '  ',
  );
}

const withHeading = (heading: string, lines: string[]): string[] => (lines.length ? ['', heading, ...lines] : []);

/** Everything `sluice status NAME` prints. */
export function canaryDetail(canary: Canary, events: readonly ListedEvent[], now: number): string[] {
  const promoted = canary.status?.conditions?.find((c) => c.type === 'Promoted');
  return [
    ...canaryTable([canary]),
    '',
    `Traffic:  ${weightBar(canary)}`,
    ...(promoted ? [`Promoted: ${promoted.status} (${promoted.reason}) ${promoted.message}`] : []),
    '',
    'Metrics:',
    ...metricsTable(canary.status?.metrics ?? [], now),
    ...withHeading('Compared with the primary (sluiceJudge):', judgeTable(canary.status?.metrics ?? [])),
    '',
    'Events:',
    ...eventsTable(events, now),
  ];
}

// ---- the command ------------------------------------------------------------------------------

interface StatusOptions {
  namespace?: string;
  allNamespaces?: boolean;
  watch?: boolean;
  interval: string;
  kubeconfig?: string;
}

/** The namespace of the kubeconfig's current context, like kubectl; "default" without one. */
function contextNamespace(kc: ReturnType<typeof loadKubeConfig>): string {
  const ctx = kc.getContextObject(kc.getCurrentContext());
  return ctx?.namespace || 'default';
}

async function render(
  client: KubeClient,
  name: string | undefined,
  namespace: string | undefined,
  opts: StatusOptions,
): Promise<{ lines: string[]; found: boolean }> {
  const now = Date.now();
  if (!name) {
    const list = await client.list<Canary>(RESOURCES.canaries, namespace ? { namespace } : {});
    if (list.items.length === 0) return { lines: [`No canaries found${namespace ? ` in ${namespace} namespace` : ''}.`], found: false };
    return { lines: canaryTable(list.items, { allNamespaces: !namespace, bar: opts.watch === true }), found: true };
  }
  const ns = namespace ?? 'default';
  const canary = await client.getIfExists<Canary>(RESOURCES.canaries, name, ns);
  if (!canary) return { lines: [`canary ${name} not found in namespace ${ns}`], found: false };
  const events = await client.list<ListedEvent>(RESOURCES.events, {
    namespace: ns,
    fieldSelector: `involvedObject.kind=Canary,involvedObject.name=${name}`,
  });
  return { lines: canaryDetail(canary, events.items, now), found: true };
}

export function statusCommand(): Command {
  return new Command('status')
    .description('show canaries like kubectl get canaries; for one canary also its weight, metric values against thresholds and last events')
    .argument('[canary]', 'name of one Canary')
    .option('-n, --namespace <ns>', "namespace (default: the kubeconfig context's)")
    .option('-A, --all-namespaces', 'list canaries of every namespace')
    .option('-w, --watch', 'redraw until interrupted, with a progress bar of the weight')
    .addOption(new Option('--interval <duration>', 'redraw interval with --watch').default('2s'))
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)')
    .action(async (name: string | undefined, opts: StatusOptions) => {
      const kc = loadKubeConfig(opts.kubeconfig ? { path: opts.kubeconfig } : {});
      const client = new KubeClient(kc);
      const namespace = opts.allNamespaces && !name ? undefined : (opts.namespace ?? contextNamespace(kc));
      if (!opts.watch) {
        const out = await render(client, name, namespace, opts);
        console.log(out.lines.join('\n'));
        if (!out.found && name) process.exitCode = 1;
        return;
      }
      const intervalMs = parseDuration(opts.interval);
      const tty = process.stdout.isTTY === true;
      let previous = '';
      for (;;) {
        const frame = await render(client, name, namespace, opts)
          .then((o) => o.lines.join('\n'))
          .catch((err: unknown) => `error: ${err instanceof Error ? err.message : String(err)}`);
        if (tty) process.stdout.write(`\x1b[H\x1b[2J${new Date().toISOString()}  (every ${opts.interval}, Ctrl-C to stop)\n\n${frame}\n`);
        else if (frame !== previous) process.stdout.write(`${previous ? '\n' : ''}${frame}\n`);
        previous = frame;
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    });
}
