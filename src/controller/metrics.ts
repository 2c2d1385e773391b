// Sluice's own Prometheus metrics, under Flagger's names so existing dashboards keep working.
import { Registry, Gauge, Counter, Histogram, collectDefaultMetrics } from 'prom-client';
import type { Canary } from '../api/types.js';
import type { Decision } from '../rollout/decision.js';
import { resolveCanary } from '../api/defaults.js';

/** flagger_canary_status: 0 while progressing, 2 when failed, 1 for anything else. */
export function statusValue(phase: string | undefined): number {
  if (phase === 'Progressing') return 0;
  if (phase === 'Failed') return 2;
  return 1;
}

export class ControllerMetrics {
  readonly registry = new Registry();
  private readonly info = new Gauge({
    name: 'flagger_info',
    help: 'Sluice version and default mesh provider',
    labelNames: ['version', 'mesh_provider'],
    registers: [this.registry],
  });
  private readonly total = new Gauge({ name: 'flagger_canary_total', help: 'Canaries per namespace', labelNames: ['namespace'], registers: [this.registry] });
  private readonly status = new Gauge({
    name: 'flagger_canary_status',
    help: 'Canary status: 0 progressing, 1 running or succeeded, 2 failed',
    labelNames: ['name', 'namespace'],
    registers: [this.registry],
  });
  private readonly weight = new Gauge({
    name: 'flagger_canary_weight',
    help: 'Traffic weight of the workload',
    labelNames: ['workload', 'namespace'],
    registers: [this.registry],
  });
  private readonly analysis = new Gauge({
    name: 'flagger_canary_metric_analysis',
    help: 'Last value of each metric check',
    labelNames: ['name', 'namespace', 'metric'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'flagger_canary_duration_seconds',
    help: 'Time taken by one reconcile of a canary',
    labelNames: ['name', 'namespace'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
    registers: [this.registry],
  });
  private readonly successes = new Counter({
    name: 'flagger_canary_successes_total',
    help: 'Promotions',
    labelNames: ['name', 'namespace', 'deployment_strategy', 'analysis_status'],
    registers: [this.registry],
  });
  private readonly failures = new Counter({
    name: 'flagger_canary_failures_total',
    help: 'Rollbacks',
    labelNames: ['name', 'namespace', 'deployment_strategy', 'analysis_status'],
    registers: [this.registry],
  });
  private readonly known = new Map<string, string>();

  constructor(version: string, provider: string, withProcessMetrics = true) {
    this.info.set({ version, mesh_provider: provider }, 1);
    if (withProcessMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'sluice_' });
  }

  observe(canary: Canary, decision: Decision, reconcileMs: number): void {
    const name = canary.metadata.name ?? '';
    const namespace = canary.metadata.namespace ?? 'default';
    const key = `${namespace}/${name}`;
    const phase = canary.status?.phase ?? '';
    const before = this.known.get(key);
    this.known.set(key, phase);
    this.recount();
    this.status.set({ name, namespace }, statusValue(phase));
    const target = canary.spec.targetRef.name;
    const w = canary.status?.canaryWeight ?? 0;
    this.weight.set({ workload: target, namespace }, w);
    this.weight.set({ workload: `${target}-primary`, namespace }, 100 - w);
    for (const m of canary.status?.metrics ?? []) {
      if (m.value !== undefined) this.analysis.set({ name, namespace, metric: m.name }, m.value);
    }
    this.duration.observe({ name, namespace }, reconcileMs / 1000);
    if (before !== undefined && before !== phase && (phase === 'Succeeded' || phase === 'Failed')) {
      const strategy = resolveCanary(canary).strategy.kind;
      const skipped = decision.events.some((e) => e.message.includes('Canary analysis was skipped'));
      const labels = { name, namespace, deployment_strategy: strategy, analysis_status: skipped ? 'skipped' : 'completed' };
      (phase === 'Succeeded' ? this.successes : this.failures).inc(labels);
    }
  }

  forget(canary: Canary): void {
    const name = canary.metadata.name ?? '';
    const namespace = canary.metadata.namespace ?? 'default';
    this.known.delete(`${namespace}/${name}`);
    this.status.remove({ name, namespace });
    this.recount();
  }

  private recount(): void {
    const perNamespace = new Map<string, number>();
    for (const key of this.known.keys()) {
      const ns = key.split('/')[0];
      perNamespace.set(ns, (perNamespace.get(ns) ?? 0) + 1);
    }
    this.total.reset();
    for (const [namespace, n] of perNamespace) this.total.set({ namespace }, n);
  }
}
