// The merge patch that turns one Canary status into another. A full status is computed each
// reconcile; keys that disappear must be sent as null, and an unchanged status sends nothing.
import type { CanaryStatus } from '../api/types.js';
import { capMessage, MAX_MESSAGE_CHARS } from '../api/message.js';

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/**
 * The status with every message in it capped (conditions, metric verdicts, the Events outbox):
 * the last step before a write, so no message from a Prometheus error page or a webhook's
 * answer can push the Canary past etcd's size limit.
 */
export function cappedStatus(status: CanaryStatus): CanaryStatus {
  const cap = <T extends { message?: string }>(items: T[] | undefined): T[] | undefined =>
    items?.map((i) => (i.message !== undefined && i.message.length > MAX_MESSAGE_CHARS ? { ...i, message: capMessage(i.message) } : i));
  return {
    ...status,
    ...(status.conditions ? { conditions: cap(status.conditions) } : {}),
    ...(status.metrics ? { metrics: cap(status.metrics) } : {}),
    ...(status.pendingEvents?.events ? { pendingEvents: { ...status.pendingEvents, events: cap(status.pendingEvents.events)! } } : {}),
  };
}

/** undefined when nothing changed. Messages in `next` are capped (cappedStatus). */
export function statusPatch(current: CanaryStatus | undefined, next: CanaryStatus): Record<string, unknown> | undefined {
  const old = (current ?? {}) as Record<string, unknown>;
  const now = cappedStatus(next) as Record<string, unknown>;
  const patch: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(old), ...Object.keys(now)])) {
    if (now[key] === undefined) {
      if (old[key] !== undefined) patch[key] = null;
    } else if (!sameJson(old[key], now[key])) {
      patch[key] = now[key];
    }
  }
  return Object.keys(patch).length ? patch : undefined;
}

/**
 * True when every field of `desired` has the same value in `live` (extra fields in `live`, such
 * as defaults and status, are ignored). Lets the executor skip an apply that would change nothing.
 */
export function isSubsetOf(desired: unknown, live: unknown): boolean {
  // A number may come back as its string form (int-or-string fields); nothing else is loosened.
  if (desired === null || typeof desired !== 'object') return desired === live || (typeof desired === 'number' && String(desired) === live);
  if (Array.isArray(desired)) {
    return Array.isArray(live) && live.length === desired.length && desired.every((d, i) => isSubsetOf(d, live[i]));
  }
  if (!live || typeof live !== 'object' || Array.isArray(live)) return false;
  return Object.entries(desired).every(([k, v]) => v === undefined || isSubsetOf(v, (live as Record<string, unknown>)[k]));
}
