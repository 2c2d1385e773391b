// core/v1 Events as Sluice records them. The same (object, type, reason, message) always maps
// to the same Event name, so a repeat bumps `count` and `lastTimestamp` on one Event instead of
// piling up new ones, the way kubectl describe shows "x12 over 5m".
import { createHash } from 'node:crypto';

export type EventType = 'Normal' | 'Warning';

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface CoreEvent {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  involvedObject: InvolvedObject;
  type: EventType;
  reason: string;
  message: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string };
}

export const EVENT_COMPONENT = 'sluice';
/** Longer messages are cut: the apiserver limits object size, and nobody reads past this in a table. */
export const MAX_EVENT_MESSAGE = 1024;

/** Kubernetes' own format for Event times: RFC 3339, whole seconds. */
export function rfc3339(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function truncateMessage(message: string): string {
  return message.length <= MAX_EVENT_MESSAGE ? message : `${message.slice(0, MAX_EVENT_MESSAGE - 3)}...`;
}

/** "<object name>.<16 hex>": stable for one (object, type, reason, message), a valid object name. */
export function eventName(involved: InvolvedObject, type: EventType, reason: string, message: string): string {
  const key = [involved.uid ?? '', involved.apiVersion, involved.kind, involved.namespace ?? '', involved.name, type, reason, truncateMessage(message)].join(
    '\u0000',
  );
  const suffix = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return `${involved.name.slice(0, 253 - 17)}.${suffix}`;
}

export function newEvent(involved: InvolvedObject, type: EventType, reason: string, message: string, now: Date): CoreEvent {
  const at = rfc3339(now);
  const involvedObject = Object.fromEntries(Object.entries(involved).filter(([, v]) => v !== undefined)) as unknown as InvolvedObject;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName(involved, type, reason, message), namespace: involved.namespace || 'default' },
    involvedObject,
    type,
    reason,
    message: truncateMessage(message),
    count: 1,
    firstTimestamp: at,
    lastTimestamp: at,
    source: { component: EVENT_COMPONENT },
  };
}

/** The merge patch that records one more occurrence of an existing Event. */
export function repeatPatch(existing: Pick<CoreEvent, 'count'>, now: Date): Pick<CoreEvent, 'count' | 'lastTimestamp'> {
  return { count: (existing.count ?? 1) + 1, lastTimestamp: rfc3339(now) };
}
