// Builds the Observed input of decide() from the informer caches: pure, so the same caches
// always give the same observation.
import { createHash } from 'node:crypto';
import type { Canary } from '../api/types.js';
import { resolveCanary, type OperatorDefaults, type ResolvedCanary } from '../api/defaults.js';
import { templateRevision } from '../rollout/revision.js';
import { commandsOf } from '../rollout/commands.js';
import type { Observed, Gate, GateResult } from '../rollout/decision.js';
import type { DeploymentLike } from '../rollout/readiness.js';
import { configTrackingOf } from '../synth/tracked-configs.js';
import type { ConfigJson } from '../synth/kube-json.js';
import { hasForeignRevision } from '../rollout/takeover.js';
import { takeoverEvidence } from './takeover-evidence.js';

export interface Snapshot {
  readonly canary: Canary;
  readonly target?: DeploymentLike & { apiVersion?: string; kind?: string };
  readonly primary?: DeploymentLike;
  readonly hpa?: { spec?: { minReplicas?: number } };
  /** ConfigMaps of the Canary's namespace and the Secrets its target names (only referenced ones are tracked). */
  readonly configs: readonly ConfigJson[];
}

/** "configmap/NAME" / "secret/NAME" -> short hash of its data, for the configs the target uses. */
export function trackedConfigsOf(
  target: DeploymentLike | undefined,
  configs: readonly ConfigJson[],
  namespace: string,
  enabled = true,
): Record<string, string> {
  if (!target || !enabled) return {};
  const podSpec = (target.spec?.template as { spec?: Record<string, unknown> } | undefined)?.spec;
  const { copies } = configTrackingOf(podSpec, configs, namespace);
  const out: Record<string, string> = {};
  for (const c of copies) {
    const data = c as unknown as { data?: object; binaryData?: object; stringData?: object };
    const body = JSON.stringify([sortKeys(data.data), sortKeys(data.binaryData), sortKeys(data.stringData)]);
    out[`${c.kind.toLowerCase()}/${c.metadata.name}`] = createHash('sha256').update(body).digest('hex').slice(0, 16);
  }
  return out;
}

function sortKeys(o: object | undefined): [string, unknown][] {
  return Object.entries(o ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function observe(
  snap: Snapshot,
  now: number,
  operator: OperatorDefaults,
  gates: Partial<Record<Gate, GateResult>> = {},
  resolved: ResolvedCanary = resolveCanary(snap.canary, operator),
): Observed {
  const template = snap.target?.spec?.template;
  return {
    now,
    canary: snap.canary,
    resolved,
    ...(snap.target ? { target: snap.target } : {}),
    ...(template ? { targetRevision: templateRevision(template) } : {}),
    ...(snap.primary ? { primary: snap.primary } : {}),
    ...(snap.hpa?.spec?.minReplicas !== undefined ? { autoscalerMinReplicas: snap.hpa.spec.minReplicas } : {}),
    trackedConfigs: trackedConfigsOf(snap.target, snap.configs, resolved.namespace),
    // Only a status that Flagger wrote needs it; Sluice's own revisions compare directly.
    ...(snap.target && hasForeignRevision(snap.canary.status)
      ? { takeover: takeoverEvidence(snap.target, snap.primary, snap.configs, resolved.namespace) }
      : {}),
    gates,
    commands: commandsOf(snap.canary),
  };
}
