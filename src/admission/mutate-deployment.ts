// The mutating webhook for Deployment updates (and Knative Service updates, whose template is a target's too). When a Canary's target gets a new pod template,
// stamp the revision, when and by whom on it, so the controller opens the rollout from the
// watch event of this very write instead of finding it on its next poll. And when someone
// other than Sluice would scale an idle canary target up from zero (an apply from Git, say),
// keep it at zero: Sluice owns that number until a rollout starts.
//
// Each decision is a list of small named objections; the first that objects says why not,
// and that sentence is what the log shows. The answer is a JSON Patch of just those fields.
import jsonpatch from 'fast-json-patch';
import type { Canary, CanaryPhase } from '../api/types.js';
import { rfc3339 } from '../kube/events.js';
import { KNATIVE_SERVICE } from '../api/knative.js';
import { templateRevision } from '../rollout/revision.js';
import { REVISION_ANNOTATION, REVISION_ANNOTATIONS, REVISION_OPENED_AT_ANNOTATION, REVISION_OPENED_BY_ANNOTATION } from './annotations.js';
import type { CanaryLookup } from './canary-lookup.js';
import { isOperatorRequest } from './operator-request.js';
import { usernameOf } from './requester.js';
import { allow, allowWithPatch, type AdmissionRequest, type AdmissionReview, type AdmissionVerdict } from './review.js';

interface DeploymentLike {
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  spec?: { replicas?: number; template?: unknown };
}

/** One Deployment update of a Canary's target, with what the decisions need precomputed. */
export interface TargetUpdate {
  readonly request: AdmissionRequest;
  readonly canary: Canary;
  readonly object: DeploymentLike;
  readonly oldObject: DeploymentLike;
  readonly revision: string;
  readonly oldRevision: string;
  /** The operator's authenticated username; unset: no write counts as Sluice's own. */
  readonly operatorUsername: string | undefined;
}

export interface MutateContext {
  /** The operator's authenticated username (a SelfSubjectReview at start-up). */
  readonly operatorUsername: string | undefined;
  /** The time stamped as opened-at; default now. */
  readonly now?: Date;
}

/** Returns why it objects, or undefined when it has no objection. */
type Objection = (update: TargetUpdate) => string | undefined;

const firstObjection = (objections: readonly Objection[], update: TargetUpdate): string | undefined => {
  for (const objection of objections) {
    const reason = objection(update);
    if (reason) return reason;
  }
  return undefined;
};

// ------------------------------------------------------------ stamping a new revision

const templateUnchanged: Objection = (u) => (u.revision === u.oldRevision ? `pod template unchanged (revision ${u.revision})` : undefined);

const revertsToPromoted: Objection = (u) =>
  u.revision === u.canary.status?.lastPromotedSpec ? `pod template is the promoted revision ${u.revision} (a revert opens no rollout)` : undefined;

// The apiserver never sends one, but a patch must apply to the object it came with: there is
// nowhere to put an annotation in a metadata that is not a map.
const metadataNotAMap: Objection = (u) =>
  u.object.metadata === undefined || isMap(u.object.metadata)
    ? undefined
    : `metadata is ${JSON.stringify(u.object.metadata) ?? typeof u.object.metadata}, not a map`;

export const STAMP_OBJECTIONS: readonly Objection[] = [templateUnchanged, revertsToPromoted, metadataNotAMap];

// ------------------------------------------------------------ holding an idle target at zero

/** Phases in which the target is scaled to zero by Sluice and no rollout runs. */
export const IDLE_PHASES: readonly CanaryPhase[] = ['Initialized', 'Succeeded', 'Failed'];

/** spec.replicas when it is a number: in a malformed review it can be an object whose toString throws. */
const replicasOf = (d: DeploymentLike): number | undefined => (typeof d.spec?.replicas === 'number' ? d.spec.replicas : undefined);

const fromSluice: Objection = (u) => (isOperatorRequest(u.request, u.operatorUsername) ? 'Sluice itself is scaling it' : undefined);

const canaryNotIdle: Objection = (u) => {
  const phase = u.canary.status?.phase ?? '';
  return IDLE_PHASES.includes(phase) ? undefined : `Canary phase is ${phase || 'not set yet'}, not idle`;
};

const notAtZero: Objection = (u) => (replicasOf(u.oldObject) === 0 ? undefined : `target was at ${replicasOf(u.oldObject)} replicas, not 0`);

const notScalingUp: Objection = (u) => ((replicasOf(u.object) ?? 0) > 0 ? undefined : 'replicas stay at 0');

export const HOLD_OBJECTIONS: readonly Objection[] = [notScalingUp, fromSluice, canaryNotIdle, notAtZero];

// ------------------------------------------------------------ the handler

/** A target update and how the log names its object. */
interface Subject {
  readonly update: TargetUpdate;
  readonly name: string;
  /** `deployment <namespace>/<name>` or `Knative Service <namespace>/<name>`. */
  readonly label: string;
}

/** What the answer carries: the patch, the notes for the log line, the warnings for the client. */
interface Answer {
  readonly patch: PatchOperation[];
  readonly notes: string[];
  readonly warnings: string[];
}

/** The update of a Canary's target that the request is, or why it is none (the request is then allowed as it is). */
function subjectOf(request: AdmissionRequest, canaries: CanaryLookup, operatorUsername: string | undefined): Subject | string {
  // A Knative Service's template is a target's pod template too: its change opens a rollout the same way.
  const knative = request.kind.kind === KNATIVE_SERVICE.kind && request.kind.group === KNATIVE_SERVICE.group;
  const deployment = request.kind.kind === 'Deployment' && request.kind.group === 'apps';
  if ((!deployment && !knative) || request.operation !== 'UPDATE' || request.subResource) {
    return `not a Deployment update (${request.operation} ${request.kind.kind}${request.subResource ? `/${request.subResource}` : ''})`;
  }
  const object = request.object as DeploymentLike | null | undefined;
  const oldObject = request.oldObject as DeploymentLike | null | undefined;
  if (!object || !oldObject) return 'update without object and oldObject';
  const namespace = request.namespace ?? object.metadata?.namespace ?? '';
  const name = request.name ?? object.metadata?.name ?? '';
  const label = `${knative ? 'Knative Service' : 'deployment'} ${namespace}/${name}`;
  const canary = canaries.findByTarget(namespace, name, knative);
  if (!canary) return `${label} is not the target of a Canary`;
  const update: TargetUpdate = {
    request,
    canary,
    object,
    oldObject,
    revision: templateRevision(object.spec?.template),
    oldRevision: templateRevision(oldObject.spec?.template),
    operatorUsername,
  };
  return { update, name, label };
}

/** Stamps a new revision on the target, or says why not (and drops a stamp a revert left stale). */
function stampRevision(update: TargetUpdate, now: Date, answer: Answer): void {
  const { request, canary, object } = update;
  const noStamp = firstObjection(STAMP_OBJECTIONS, update);
  if (!noStamp) {
    answer.patch.push(
      ...setAnnotations(object, {
        [REVISION_ANNOTATION]: update.revision,
        [REVISION_OPENED_AT_ANNOTATION]: rfc3339(now),
        [REVISION_OPENED_BY_ANNOTATION]: usernameOf(request),
      }),
    );
    answer.notes.push(`revision ${update.revision} opened by ${usernameOf(request)} for Canary ${canary.metadata.name}`);
    return;
  }
  answer.notes.push(`no new revision: ${noStamp}`);
  // After a revert, a stamp of the abandoned revision would claim a rollout that is not open.
  if (!templateUnchanged(update) && revertsToPromoted(update) && hasStaleStamp(object, update.revision)) {
    answer.patch.push(...removeAnnotations(object, REVISION_ANNOTATIONS));
    answer.notes.push('stale revision annotations removed');
  }
}

/** Keeps an idle target's replicas at 0, or notes why a change of replicas goes through. */
function holdAtZero(update: TargetUpdate, name: string, answer: Answer): void {
  const { canary, object, oldObject } = update;
  const noHold = firstObjection(HOLD_OBJECTIONS, update);
  if (!noHold) {
    answer.patch.push({ op: object.spec?.replicas === undefined ? 'add' : 'replace', path: '/spec/replicas', value: 0 });
    const message = `spec.replicas kept at 0: Sluice scales ${name} while Canary ${canary.metadata.name} is idle (${canary.status?.phase}) and scales it up when a rollout starts`;
    answer.warnings.push(message);
    answer.notes.push(message);
  } else if (replicasOf(object) !== replicasOf(oldObject)) {
    answer.notes.push(`replicas ${replicasOf(oldObject)} -> ${replicasOf(object)} allowed: ${noHold}`);
  }
}

/** The mutating decision for one AdmissionReview. */
export function mutateDeployment(review: AdmissionReview, canaries: CanaryLookup, context: MutateContext): AdmissionVerdict {
  const request = review.request;
  const now = context.now ?? new Date();
  const subject = subjectOf(request, canaries, context.operatorUsername);
  if (typeof subject === 'string') return allow(request, subject);
  const answer: Answer = { patch: [], notes: [], warnings: [] };
  stampRevision(subject.update, now, answer);
  holdAtZero(subject.update, subject.name, answer);
  return allowWithPatch(request, answer.patch, `${subject.label}: ${answer.notes.join('; ')}`, answer.warnings);
}

// ------------------------------------------------------------ JSON Patch operations

/** One RFC 6902 operation; "/" in keys is escaped as "~1" (sluice.dev/revision). */
export type PatchOperation = { op: 'add' | 'replace'; path: string; value: unknown } | { op: 'remove'; path: string };

const annotationPath = (key: string) => `/metadata/annotations/${jsonpatch.escapePathComponent(key)}`;

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The annotations map, or undefined when absent (or, in a malformed review, not a map). */
function annotationsOf(object: DeploymentLike): Record<string, string> | undefined {
  const annotations = isMap(object.metadata) ? object.metadata.annotations : undefined;
  return isMap(annotations) ? (annotations as Record<string, string>) : undefined;
}

function setAnnotations(object: DeploymentLike, annotations: Record<string, string>): PatchOperation[] {
  // Adding below a map that is absent fails: add the innermost missing one whole.
  if (object.metadata === undefined) return [{ op: 'add', path: '/metadata', value: { annotations } }];
  if (!annotationsOf(object)) return [{ op: 'add', path: '/metadata/annotations', value: annotations }];
  return Object.entries(annotations).map(([key, value]) => ({ op: 'add', path: annotationPath(key), value }));
}

function removeAnnotations(object: DeploymentLike, keys: readonly string[]): PatchOperation[] {
  const present = annotationsOf(object) ?? {};
  return keys.filter((key) => key in present).map((key) => ({ op: 'remove', path: annotationPath(key) }));
}

function hasStaleStamp(object: DeploymentLike, revision: string): boolean {
  const stamped = annotationsOf(object)?.[REVISION_ANNOTATION];
  return stamped !== undefined && stamped !== revision;
}
