// The builder of one decision: the next status, what to sync, Events and alerts. Each phase of
// decide() adds to it and ends with done(), or asks for a gate first with ask().
import type { CanaryCondition, CanaryPhase, CanaryStatus } from '../../api/types.js';
import type { AlertSeverity, Decision, Gate, Observed, RolloutEvent } from '../decision.js';
import { providerEntry } from '../../api/providers.js';
import { targetEntryOf } from '../../api/workloads.js';
import { sessionCookiesAt, withSessionCookies } from '../session-cookies.js';
import type { Weights } from '../weights.js';

/** Flagger's status times (metav1.Time): RFC 3339 in whole seconds. */
export function statusTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const info = (message: string): RolloutEvent => ({ type: 'Normal', message });
export const warning = (message: string): RolloutEvent => ({ type: 'Warning', message });

/** Accumulates one decision; the small builder keeps each branch of decide() short. */
export class Step {
  status: CanaryStatus;
  sync?: Decision['sync'];
  scaleTarget?: number;
  events: RolloutEvent[] = [];
  alerts: { severity: AlertSeverity; message: string }[] = [];
  postRollout?: 'Succeeded' | 'Failed';
  note?: string;

  constructor(private readonly obs: Observed) {
    this.status = structuredClone(obs.canary.status ?? {});
  }

  /** Moves to `next` and keeps the `Promoted` condition in step (its transition time only moves with its status). */
  phase(next: CanaryPhase, condition: { status: CanaryCondition['status']; message: string }): this {
    const nowIso = statusTime(this.obs.now);
    if (this.status.phase !== next) this.status.lastTransitionTime = nowIso;
    this.status.phase = next;
    const previous = this.status.conditions?.find((c) => c.type === 'Promoted');
    const sameStatus = previous !== undefined && previous.status === condition.status;
    const unchanged = sameStatus && previous.reason === next && previous.message === condition.message;
    if (!unchanged) {
      this.status.conditions = [
        {
          type: 'Promoted',
          status: condition.status,
          reason: next,
          message: condition.message,
          lastUpdateTime: nowIso,
          lastTransitionTime: sameStatus ? (previous.lastTransitionTime ?? nowIso) : nowIso,
        },
      ];
    }
    return this;
  }

  /** Routes traffic with `weights`; `primaryFromTarget` copies the target's template to the primary. */
  route(weights: Weights, primaryFromTarget = false): this {
    this.sync = { weights, primaryFromTarget };
    return this;
  }

  stepped(): this {
    // Milliseconds kept (unlike Flagger's times): steps are paced by it, whole seconds would let one come early.
    this.status.lastAnalysisTime = new Date(this.obs.now).toISOString();
    return this;
  }

  done(requeueAfterMs: number): Decision {
    this.status.observedGeneration = this.obs.canary.metadata.generation ?? this.status.observedGeneration;
    const affinity = this.obs.resolved.sessionAffinity;
    if (affinity && this.sync && providerEntry(this.obs.resolved.provider)?.capabilities.sessionAffinity) {
      // Routes and cookies move together: the routers read the cookies this status will hold.
      const seed = `${this.obs.canary.metadata.uid ?? ''}/${this.obs.now}`;
      this.status = withSessionCookies(this.status, sessionCookiesAt(affinity, this.status, this.sync.weights.canary, seed));
    }
    // A target that cannot be scaled at all (a Service) is never asked to: Flagger's ScaleToZero and ScaleFromZero do nothing for it.
    const scales = targetEntryOf(this.obs.canary.spec.targetRef)?.scaleToZero !== 'none';
    return {
      status: this.status,
      ...(this.sync ? { sync: this.sync } : {}),
      ...(this.scaleTarget !== undefined && scales ? { scaleTarget: this.scaleTarget } : {}),
      events: this.events,
      alerts: this.alerts,
      ...(this.postRollout ? { postRollout: this.postRollout } : {}),
      ...(this.note ? { note: this.note } : {}),
      requeueAfterMs: Math.max(0, Math.round(requeueAfterMs)),
    };
  }
}

/** Asks the executor to run a gate first. */
export function ask(obs: Observed, gate: Gate): Decision {
  return {
    status: structuredClone(obs.canary.status ?? {}),
    events: [],
    alerts: [],
    needs: gate,
    requeueAfterMs: 0,
  };
}
