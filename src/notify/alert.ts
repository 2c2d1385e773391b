// One notification, independent of where it goes: who it is about, the sentence, its severity
// and the detail fields Flagger attaches (Cluster, Target, Failed checks threshold, Progress
// deadline, Traffic routing). Pure: every provider renders this same value.
import type { Canary } from '../api/types.js';
import { analysisOf, resolveCanary } from '../api/defaults.js';

export type Severity = 'info' | 'warn' | 'error';

export interface AlertField {
  readonly name: string;
  readonly value: string;
}

export interface Alert {
  /** The Canary's name (Flagger names the canary, not its target, in "name.namespace"). */
  readonly name: string;
  readonly namespace: string;
  readonly message: string;
  readonly severity: Severity;
  readonly fields: readonly AlertField[];
}

/** The message that opens a rollout; Flagger attaches the Canary's details to it only. */
export const NEW_REVISION_MESSAGE = 'New revision detected, progressing canary analysis.';

/** "podinfo.test", as every provider titles a notification. */
export const alertSubject = (alert: Pick<Alert, 'name' | 'namespace'>) => `${alert.name}.${alert.namespace}`;

/** Flagger's "Traffic routing" field: how the canary gets its traffic, or none for plain canaries without steps. */
export function trafficRouting(canary: Canary): string | undefined {
  const analysis = analysisOf(canary);
  const resolved = resolveCanary(canary);
  if ((analysis?.stepWeight ?? 0) > 0) return `Weight step: ${analysis?.stepWeight} max: ${resolved.maxWeight}`;
  if ((analysis?.stepWeights ?? []).length > 0) return `Weight steps: ${analysis?.stepWeights?.join(',')} max: ${resolved.maxWeight}`;
  if ((analysis?.match ?? []).length > 0) return 'A/B Testing';
  if ((analysis?.iterations ?? 0) > 0) return 'Blue/Green';
  return undefined;
}

/**
 * The detail fields. The cluster name goes on every alert (several clusters often share one
 * channel); the Canary's settings only on the new-revision alert, as Flagger does.
 */
export function alertFields(canary: Canary, message: string, clusterName: string): AlertField[] {
  const fields: AlertField[] = [];
  if (clusterName) fields.push({ name: 'Cluster', value: clusterName });
  if (message !== NEW_REVISION_MESSAGE) return fields;
  const namespace = canary.metadata.namespace ?? 'default';
  const resolved = resolveCanary(canary);
  fields.push(
    { name: 'Target', value: `${canary.spec.targetRef.kind ?? 'Deployment'}/${canary.spec.targetRef.name}.${namespace}` },
    { name: 'Failed checks threshold', value: String(resolved.threshold) },
    { name: 'Progress deadline', value: `${resolved.progressDeadlineSeconds}s` },
  );
  const routing = trafficRouting(canary);
  if (routing) fields.push({ name: 'Traffic routing', value: routing });
  return fields;
}

export function alertOf(canary: Canary, severity: Severity, message: string, clusterName = ''): Alert {
  return {
    name: canary.metadata.name ?? '',
    namespace: canary.metadata.namespace ?? 'default',
    message,
    severity,
    fields: alertFields(canary, message, clusterName),
  };
}
