// What every phase of one decision reads: the observation with its target known to exist, the
// stored status, and the names and comparisons derived from them once.
import type { ResolvedCanary } from '../../api/defaults.js';
import type { CanaryPhase, CanaryStatus } from '../../api/types.js';
import type { Observed } from '../decision.js';
import { id } from '../messages.js';
import type { DeploymentLike } from '../readiness.js';
import type { Weights } from '../weights.js';
import { routesFor } from './routes.js';
import { Step } from './step.js';
import { adoptedStatus } from '../takeover.js';
import { pacedByEvidence } from './pacing.js';

export interface Tick {
  readonly obs: Observed;
  readonly r: ResolvedCanary;
  /** The status as stored; the next one is built in `step.status`. */
  readonly stored: CanaryStatus;
  readonly phase: CanaryPhase;
  readonly target: DeploymentLike;
  /** templateRevision of the target's pod template. */
  readonly revision: string;
  /** "name.namespace" of the target and of the primary, as the messages name them. */
  readonly targetId: string;
  readonly primaryId: string;
  readonly step: Step;
  /** The split the stored status stands for. */
  readonly currentRoutes: Weights;
  /** A status Flagger left idle that still describes what runs, with Sluice's hashes (takeover.ts). */
  readonly adopted?: Pick<CanaryStatus, 'lastAppliedSpec' | 'lastPromotedSpec' | 'trackedConfigs'>;
  readonly revisionChanged: boolean;
  readonly configsChanged: boolean;
  /** How long until the next step is due; 0 when it is (pacing.ts: only analysis steps wait for the interval). */
  readonly dueInMs: number;
  /** How long until a full interval has passed since the last step, when Flagger would tick; 0 when it has. */
  readonly intervalDueInMs: number;
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

export function tickOf(obs: Observed, target: DeploymentLike, revision: string): Tick {
  const r = obs.resolved;
  const stored = obs.canary.status ?? {};
  const lastStep = stored.lastAnalysisTime ? Date.parse(stored.lastAnalysisTime) : 0;
  const adopted = adoptedStatus(obs);
  const recorded = adopted ?? stored;
  const intervalDueInMs = Math.max(0, lastStep + r.intervalMs - obs.now);
  return {
    obs,
    r,
    stored,
    phase: stored.phase ?? '',
    target,
    revision,
    targetId: id(r.targetName, r.namespace),
    primaryId: id(`${r.targetName}-primary`, r.namespace),
    step: new Step(obs),
    currentRoutes: routesFor(stored, r.strategy.kind),
    ...(adopted ? { adopted } : {}),
    revisionChanged: revision !== recorded.lastAppliedSpec,
    configsChanged: !sameMap(obs.trackedConfigs, recorded.trackedConfigs ?? {}),
    dueInMs: pacedByEvidence(stored.phase ?? '', stored, r) ? 0 : intervalDueInMs,
    intervalDueInMs,
  };
}
