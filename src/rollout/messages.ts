// Every sentence Sluice says about a rollout, in Flagger's wording, so dashboards, alerts and
// habits built on Flagger's events keep working. The same sentence goes to the Event, the log
// line (`msg`) and, where it explains a halt, the status.

export const id = (name: string, namespace: string) => `${name}.${namespace}`;

export const messages = {
  initialized: (t: string) => `Initialization done! ${t}`,
  metricProvidersAvailable: () => 'all the metrics providers are available!',
  metricProvidersFailed: (reason: string) => `Error checking metric providers: ${reason}`,
  primaryNotReady: (primary: string, reason: string) => `${primary} not ready: ${reason}`,
  canaryNotReady: (t: string, reason: string) => `canary deployment ${t} not ready: ${reason}`,
  newRevision: (t: string) => `New revision detected! Scaling up ${t}`,
  restart: (t: string) => `New revision detected! Restarting analysis for ${t}`,
  starting: (t: string) => `Starting canary analysis for ${t}`,
  advanceWeight: (t: string, w: number) => `Advance ${t} canary weight ${w}`,
  advanceIteration: (t: string, i: number, n: number) => `Advance ${t} canary iteration ${i}/${n}`,
  advancePrimaryWeight: (t: string, w: number) => `Advance ${t} primary weight ${w}`,
  routingAllToCanary: () => 'Routing all traffic to canary',
  routingAllToPrimary: () => 'Routing all traffic to primary',
  copying: (t: string, primary: string) => `Copying ${t} template spec to ${primary}`,
  promoted: (t: string) => `Promotion completed! Scaling down ${t}`,
  promotedSkipped: (t: string) => `Promotion completed! Canary analysis was skipped for ${t}`,
  rollbackThreshold: (t: string, n: number) => `Rolling back ${t} failed checks threshold reached ${n}`,
  rollbackDeadline: (t: string, reason: string) => `Rolling back ${t} progress deadline exceeded ${reason}`,
  rollbackManual: (t: string) => `Rolling back ${t} manual webhook invoked`,
  rollbackAborted: (t: string, by: string) => `Rolling back ${t} aborted by ${by}`,
  failed: (t: string) => `Canary failed! Scaling down ${t}`,
  promotionFailed: (t: string, reason: string) => `Promotion of ${t} failed, primary not ready: ${reason}`,
  waitingApproval: (t: string, hook: string) => `Halt ${t} advancement waiting for approval ${hook}`,
  waitingPromotion: (t: string, hook: string) => `Halt ${t} advancement waiting for promotion approval ${hook}`,
  waitingTraffic: (t: string, hook: string) => `Halt ${t} advancement waiting for traffic increase approval ${hook}`,
  preRolloutFailed: (t: string, hook: string, err: string) => `Halt ${t} advancement pre-rollout check ${hook} failed ${err}`,
  externalCheckFailed: (t: string, hook: string, err: string) => `Halt ${t} advancement external check ${hook} failed ${err}`,
  hookPassed: (kind: string, hook: string) => `${kind} check ${hook} passed`,
  postRolloutFailed: (t: string, hook: string, err: string) => `Post-rollout check ${hook} failed for ${t}: ${err}`,
  suspended: () => 'skipping canary run as object is suspended',
  targetMissing: (t: string, reason: string) => `Target ${t} not available: ${reason}`,
  paused: (t: string) => `Halt ${t} advancement: paused by annotation`,
} as const;

/**
 * Alerts Flagger sends while a confirm gate holds: Warning severity (an `analysis.alerts` entry of
 * severity warn receives them, not only info), and not at all when the hook that holds has
 * `muteAlert: true`.
 */
export const approvalAlerts = {
  rollout: 'Canary is waiting for approval.',
  promotion: 'Canary is waiting for promotion approval.',
} as const;

/** Condition messages of the `Promoted` condition (Flagger's MakeStatusConditions). */
export const conditionMessages = {
  /** Flagger names the target's kind: `Deployment initialization completed.` */
  initialized: (kind: string) => `${kind} initialization completed.`,
  progressing: 'New revision detected, progressing canary analysis.',
  waiting: 'Waiting for approval.',
  waitingPromotion: 'Waiting for promotion approval.',
  promoting: 'Canary analysis completed, starting primary rolling update.',
  finalising: 'Canary analysis completed, routing all traffic to primary.',
  succeeded: 'Canary analysis completed successfully, promotion finished.',
  failed: (target: string) => `Canary analysis failed, ${target} scaled to zero.`,
  /** Flagger names the target's kind, as written in targetRef: `New Deployment detected, ...`. */
  initializing: (kind: string) => `New ${kind} detected, starting initialization.`,
} as const;
