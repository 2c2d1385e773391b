// Taking over a Canary that Flagger left idle. Its status holds Flagger's revision hashes, which
// Sluice does not compute: a spew dump of Go structs hashed with fnv32a, or (newer Flagger) the
// ReplicaSet's pod-template-hash, in lastAppliedSpec and lastPromotedSpec, and Flagger's config
// checksums in trackedConfigs. Compared with Sluice's, every such Canary would look changed and be
// analysed once more.
//
// Flagger's template hash is not recomputed here: the dump covers every field of the Go structs of
// the k8s.io/api version that Flagger build was compiled with, so the same template hashes
// differently from one Flagger release to the next (fluxcd/flagger#1201, #1673, #1799), and Sluice
// cannot know which release wrote it. What the hash stood for is checked instead. Flagger writes the
// primary's pod template from the target's at initialization and at a promotion, and at no other
// time; the status's hashes are taken from the target at those moments (lastPromotedSpec) or when a
// rollout starts (lastAppliedSpec). So in an idle phase (Initialized, Succeeded, Failed) a primary
// that runs the target's template (as Sluice would make it, its flagger-id aside) means the target
// hashes to lastPromotedSpec, or to lastAppliedSpec after a promotion that failed: either way Flagger
// itself would start no rollout. Config checksums are recognised as they are: Flagger's algorithm is
// small and fixed (flagger-checksum.ts).
//
// Then Sluice records its own hashes of what runs and keeps the phase: no Event, no rollout. When
// the primary runs another template, the target changed since Flagger promoted it, or it is the
// revision a Failed Canary rejected; which of the two cannot be told without Flagger's hash, and the
// usual rules apply: a rollout.
import type { CanaryStatus } from '../api/types.js';
import type { Observed } from './decision.js';

/** What the controller sees beside a status Sluice did not write, for adoptedStatus(). */
export interface TakeoverEvidence {
  /** The primary's pod template is the one synthesis derives from the target's, its `flagger-id` aside. */
  readonly primaryRunsTarget: boolean;
  /** Flagger's checksums of each tracked config's data ("configmap/NAME" -> every form Go writes). */
  readonly flaggerConfigChecksums: Readonly<Record<string, readonly string[]>>;
}

/** Sluice's revisions: 16 hex digits (revision.ts). Flagger's are at most 10 characters of its own alphabet. */
const SLUICE_REVISION = /^[0-9a-f]{16}$/;

export function isSluiceRevision(revision: string | undefined): boolean {
  return revision !== undefined && SLUICE_REVISION.test(revision);
}

/** Whether the status's revisions were written by another operator (Flagger), so takeover evidence is worth gathering. */
export function hasForeignRevision(status: CanaryStatus | undefined): boolean {
  return Boolean(status?.lastAppliedSpec) && !isSluiceRevision(status?.lastAppliedSpec);
}

/** Phases in which nothing is under way: the primary runs the template Flagger last copied to it. */
const IDLE = ['Initialized', 'Succeeded', 'Failed'];

/**
 * The status fields to write instead of Flagger's, when an idle Canary's status was written by
 * Flagger and still describes what runs; undefined otherwise.
 */
export function adoptedStatus(obs: Observed): Pick<CanaryStatus, 'lastAppliedSpec' | 'lastPromotedSpec' | 'trackedConfigs'> | undefined {
  const st = obs.canary.status;
  if (!obs.targetRevision || !obs.takeover?.primaryRunsTarget) return undefined;
  if (!IDLE.includes(st?.phase ?? '') || !hasForeignRevision(st)) return undefined;
  if (!sameConfigs(st?.trackedConfigs ?? {}, obs.trackedConfigs, obs.takeover.flaggerConfigChecksums)) return undefined;
  return { lastAppliedSpec: obs.targetRevision, lastPromotedSpec: obs.targetRevision, trackedConfigs: obs.trackedConfigs };
}

/** Flagger recorded the same configs, each with the checksum of the data it has now. */
function sameConfigs(
  recorded: Readonly<Record<string, string>>,
  current: Readonly<Record<string, string>>,
  flagger: Readonly<Record<string, readonly string[]>>,
): boolean {
  const keys = Object.keys(current);
  if (Object.keys(recorded).length !== keys.length) return false;
  return keys.every((k) => recorded[k] !== undefined && (recorded[k] === current[k] || (flagger[k] ?? []).includes(recorded[k])));
}
