// The JSON body Flagger posts to rollout webhooks, so existing load testers and gates work.
import { createHash } from 'node:crypto';
import type { Canary, CanaryPhase } from '../api/types.js';

export interface HookPayload {
  name: string;
  namespace: string;
  phase: CanaryPhase;
  checksum: string;
  metadata: Record<string, string>;
}

/** Identifies the revision under analysis: the template revision plus the tracked configs. */
export function canaryChecksum(canary: Canary): string {
  const st = canary.status ?? {};
  const configs = Object.entries(st.trackedConfigs ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256')
    .update(JSON.stringify([configs, st.lastAppliedSpec ?? '']))
    .digest('hex')
    .slice(0, 16);
}

export function hookPayload(canary: Canary, phase: CanaryPhase, metadata: Record<string, string>): HookPayload {
  return {
    name: canary.metadata.name ?? '',
    namespace: canary.metadata.namespace ?? 'default',
    phase,
    checksum: canaryChecksum(canary),
    metadata,
  };
}

/** `event` hooks also get the event itself (Flagger's eventMessage, eventType, timestamp in ms). */
export function eventPayload(canary: Canary, message: string, type: 'Normal' | 'Warning', now: number, metadata: Record<string, string>): HookPayload {
  return hookPayload(canary, canary.status?.phase ?? '', {
    ...metadata,
    eventMessage: message,
    eventType: type,
    timestamp: String(now),
  });
}
