// The annotations the mutating webhook stamps on a Canary's target Deployment when its pod
// template changes. The controller reads them to open the rollout at once and to say, in its
// Events, who started it.

/** templateRevision() of the new pod template. */
export const REVISION_ANNOTATION = 'sluice.dev/revision';
/** When the change was admitted, RFC 3339 (UTC, whole seconds). */
export const REVISION_OPENED_AT_ANNOTATION = 'sluice.dev/revision-opened-at';
/** userInfo.username of the request that changed the template. */
export const REVISION_OPENED_BY_ANNOTATION = 'sluice.dev/revision-opened-by';

export const REVISION_ANNOTATIONS = [REVISION_ANNOTATION, REVISION_OPENED_AT_ANNOTATION, REVISION_OPENED_BY_ANNOTATION] as const;

/** Label to put on a Deployment (value "disabled") to keep it out of Sluice's mutating webhook. */
export const ADMISSION_OPT_OUT_LABEL = 'sluice.dev/admission';
