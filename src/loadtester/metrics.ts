// The load tester's /metrics: tasks by type and outcome, running tasks, and the requests the
// built-in generator sent by status code, plus the process metrics.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export class LoadTesterMetrics {
  readonly registry = new Registry();
  readonly tasks = new Counter({
    name: 'sluice_loadtester_tasks_total',
    help: 'Webhook tasks by type and outcome (accepted, duplicate, busy, refused, succeeded, failed)',
    labelNames: ['type', 'outcome'],
    registers: [this.registry],
  });
  readonly running = new Gauge({ name: 'sluice_loadtester_running_tasks', help: 'Background tasks running now', registers: [this.registry] });
  readonly requests = new Counter({
    name: 'sluice_loadtester_requests_total',
    help: 'Requests sent by the built-in load generator, by status code ("error" when no response)',
    labelNames: ['code'],
    registers: [this.registry],
  });
  readonly gates = new Counter({
    name: 'sluice_loadtester_gate_checks_total',
    help: 'Gate checks by gate kind and answer',
    labelNames: ['gate', 'approved'],
    registers: [this.registry],
  });

  constructor(withProcessMetrics = true) {
    if (withProcessMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'sluice_loadtester_' });
  }
}
