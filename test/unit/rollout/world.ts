// A tiny in-memory world for driving decide() tick by tick in unit tests: Deployments become
// ready at once, gates answer from a script, and every decision is applied as the executor would.
import { decide } from '../../../src/rollout/decide.js';
import { resolveCanary } from '../../../src/api/defaults.js';
import { commandsOf } from '../../../src/rollout/commands.js';
import type { Canary } from '../../../src/api/types.js';
import type { Decision, Gate, GateResult, Observed } from '../../../src/rollout/decision.js';
import type { DeploymentLike } from '../../../src/rollout/readiness.js';
import type { Weights } from '../../../src/rollout/weights.js';

export type GateScript = Partial<Record<Gate, (tick: number) => GateResult>>;

const readyDeployment = (name: string, image: string, replicas: number): DeploymentLike => ({
  metadata: { name, namespace: 'test', generation: 1 },
  spec: { replicas, template: { spec: { containers: [{ name: 'podinfod', image }] } } },
  status: { observedGeneration: 1, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas },
});

export class World {
  now = Date.parse('2026-01-01T00:00:00Z');
  target: DeploymentLike;
  primary?: DeploymentLike;
  targetImage: string;
  primaryImage?: string;
  configs: Record<string, string> = {};
  events: string[] = [];
  routes: Weights[] = [];
  gateCalls: Gate[] = [];
  postRollouts: string[] = [];
  tick = 0;
  targetReady = true;
  /** What the controller gathers beside a status Flagger wrote (src/rollout/takeover.ts). */
  takeover?: Observed['takeover'];
  /** The target reports ProgressDeadlineExceeded (a Deployment that will not become ready). */
  targetStuck = false;
  /** False when the target Deployment is gone. */
  targetExists = true;
  /** The primary's autoscaler minimum, when the Canary has an autoscalerRef. */
  autoscalerMinReplicas?: number;

  constructor(
    public canary: Canary,
    public gates: GateScript = {},
    image = 'podinfo:6.0.0',
  ) {
    this.targetImage = image;
    this.target = readyDeployment('podinfo', image, 2);
  }

  get status() {
    return this.canary.status ?? {};
  }

  setImage(image: string) {
    this.targetImage = image;
  }

  private observe(gates: Partial<Record<Gate, GateResult>>): Observed {
    const target = readyDeployment('podinfo', this.targetImage, this.target.spec?.replicas ?? 0);
    if (!this.targetReady) target.status = { ...target.status, availableReplicas: 0 };
    if (this.targetStuck) {
      target.status = { ...target.status, availableReplicas: 0, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] };
    }
    return {
      now: this.now,
      canary: this.canary,
      resolved: resolveCanary(this.canary),
      ...(this.targetExists ? { target, targetRevision: `rev-${this.targetImage}` } : {}),
      ...(this.primary ? { primary: this.primary } : {}),
      ...(this.autoscalerMinReplicas !== undefined ? { autoscalerMinReplicas: this.autoscalerMinReplicas } : {}),
      trackedConfigs: this.configs,
      ...(this.takeover ? { takeover: this.takeover } : {}),
      gates,
      commands: commandsOf(this.canary),
    };
  }

  /** One reconcile, with gates run as decide() asks for them. */
  reconcile(): Decision {
    const gates: Partial<Record<Gate, GateResult>> = {};
    for (;;) {
      const d = decide(this.observe(gates));
      if (!d.needs) {
        this.apply(d);
        return d;
      }
      this.gateCalls.push(d.needs);
      const script = this.gates[d.needs];
      gates[d.needs] = script ? script(this.tick) : { open: true, events: [] };
    }
  }

  private apply(d: Decision) {
    this.canary = { ...this.canary, status: d.status };
    if (d.sync) {
      this.routes.push(d.sync.weights);
      if (d.sync.primaryFromTarget) {
        this.primaryImage = this.targetImage;
        this.primary = readyDeployment('podinfo-primary', this.targetImage, 2);
      }
    }
    if (d.scaleTarget !== undefined) this.target = readyDeployment('podinfo', this.targetImage, d.scaleTarget);
    this.events.push(...d.events.map((e) => e.message));
    if (d.postRollout) this.postRollouts.push(d.postRollout);
  }

  /** Advances the clock by one analysis interval and reconciles. */
  step(): Decision {
    this.tick++;
    this.now += resolveCanary(this.canary).intervalMs;
    return this.reconcile();
  }

  /** Steps until the phase is one of `phases` (or fails after `max` steps). */
  runUntil(phases: string[], max = 100): void {
    for (let i = 0; i < max; i++) {
      if (phases.includes(this.status.phase ?? '')) return;
      this.step();
    }
    throw new Error(`phase ${this.status.phase} after ${max} steps; events:\n${this.events.join('\n')}`);
  }
}

export function osmCanary(edit: (c: Canary) => void = () => {}): Canary {
  const c: Canary = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test', generation: 1 },
    spec: {
      provider: 'osm',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      progressDeadlineSeconds: 60,
      service: { port: 9898, targetPort: 9898 },
      analysis: {
        interval: '30s',
        threshold: 5,
        maxWeight: 50,
        stepWeight: 5,
        metrics: [
          { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' },
          { name: 'request-duration', thresholdRange: { max: 500 }, interval: '30s' },
        ],
        webhooks: [
          { name: 'acceptance-test', type: 'pre-rollout', url: 'http://flagger-loadtester.test/', timeout: '30s' },
          { name: 'load-test', type: 'rollout', url: 'http://flagger-loadtester.test/', timeout: '5s' },
        ],
      },
    },
  };
  edit(c);
  return c;
}

export const pass = (events: string[] = []): GateResult => ({ open: true, events: events.map((message) => ({ type: 'Normal', message })) });
export const fail = (message: string, hook = 'hook'): GateResult => ({ open: false, hook, events: [{ type: 'Warning', message }] });
