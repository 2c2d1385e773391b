// What the rollout engine observes and what it decides. decide() is a pure function from
// the first to the second; the controller's executor does all the I/O.
import type { Canary, CanaryStatus, MetricCheckStatus } from '../api/types.js';
import type { ResolvedCanary } from '../api/defaults.js';
import type { DeploymentLike } from './readiness.js';
import type { Weights } from './weights.js';
import type { TakeoverEvidence } from './takeover.js';

/** A check that needs I/O (webhooks, Prometheus). decide() asks for one at a time. */
export type Gate = 'metric-providers' | 'confirm-rollout' | 'pre-rollout' | 'analysis' | 'confirm-traffic-increase' | 'confirm-promotion' | 'rollback';

export interface RolloutEvent {
  readonly type: 'Normal' | 'Warning';
  readonly message: string;
}

export interface GateResult {
  /**
   * Whether the way on is open. For `rollback`, closed means a rollback hook asked for a
   * rollback; for `metric-providers` it is always open (it only reports); for the others,
   * closed means a check failed or an approval is missing.
   */
  readonly open: boolean;
  /** What the checks said, already worded ("Pre-rollout check acceptance-test passed", halts...). */
  readonly events: RolloutEvent[];
  /** Name of the first hook that kept the gate closed, for the waiting messages. */
  readonly hook?: string;
  /** A closed gate adds one to failedChecks unless this is false (too few requests to judge). */
  readonly countsAsFailedCheck?: boolean;
  /** Verdicts of the metric checks (analysis gate only), kept in the status. */
  readonly metrics?: MetricCheckStatus[];
}

/** User commands given through annotations (beyond Flagger): see src/rollout/commands.ts. */
export interface Commands {
  readonly paused: boolean;
  /** Set when an abort was asked and not yet carried out: who asked. */
  readonly abort?: string;
  /** Set when an immediate promotion was asked and not yet carried out. */
  readonly promote?: string;
  /** Set when a retry of the current (failed) revision was asked and not yet carried out. */
  readonly retry?: string;
}

export interface Observed {
  /** Milliseconds since the epoch. */
  readonly now: number;
  readonly canary: Canary;
  readonly resolved: ResolvedCanary;
  readonly target?: DeploymentLike;
  /** templateRevision of the target's pod template. */
  readonly targetRevision?: string;
  readonly primary?: DeploymentLike;
  /** Replicas the primary's autoscaler asks for at least, when there is one. */
  readonly autoscalerMinReplicas?: number;
  /** "configmap/NAME" or "secret/NAME" -> hash of data, for the configs the target uses. */
  readonly trackedConfigs: Record<string, string>;
  /** Gathered only when the status holds another operator's revisions (Flagger's): see takeover.ts. */
  readonly takeover?: TakeoverEvidence;
  readonly gates: Partial<Record<Gate, GateResult>>;
  readonly commands: Commands;
}

export type AlertSeverity = 'info' | 'warn' | 'error';

export interface Decision {
  /** The whole next status; the executor writes it when it differs from the stored one. */
  readonly status: CanaryStatus;
  /** Generated objects to converge, with this traffic split. */
  readonly sync?: {
    readonly weights: Weights;
    /** Copy the target's pod template (and config copies) to the primary: init and promotion. */
    readonly primaryFromTarget: boolean;
  };
  /** Scale the target Deployment to this many replicas. */
  readonly scaleTarget?: number;
  readonly events: RolloutEvent[];
  readonly alerts: { severity: AlertSeverity; message: string }[];
  /** Run post-rollout hooks for this outcome. */
  readonly postRollout?: 'Succeeded' | 'Failed';
  /** A gate to run before deciding again; when set, nothing else in the decision is acted on. */
  readonly needs?: Gate;
  readonly requeueAfterMs: number;
  /** Why nothing happened, for the log. */
  readonly note?: string;
}
