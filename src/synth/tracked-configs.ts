// Which of the given ConfigMaps and Secrets get a `-primary` copy. Flagger's rules: the pod
// template must reference it, it must not opt out with `flagger.app/config-tracking: disabled`,
// and a Secret must be of a type that holds configuration (not a service-account token or a
// registry credential, which other controllers own).
import type { ConfigJson } from './kube-json.js';
import { configRefsOf, type TrackedConfigs } from './pod-template.js';
import type { JsonObject } from './kube-json.js';

export const CONFIG_TRACKING_ANNOTATION = 'flagger.app/config-tracking';

export const TRACKED_SECRET_TYPES: readonly string[] = ['Opaque', 'kubernetes.io/basic-auth', 'kubernetes.io/ssh-auth', 'kubernetes.io/tls'];

export interface ConfigTracking {
  readonly tracked: TrackedConfigs;
  /** The configs to copy, ConfigMaps first, each kind by name: the order does not depend on the input's. */
  readonly copies: ConfigJson[];
}

const optedOut = (config: ConfigJson) => config.metadata?.annotations?.[CONFIG_TRACKING_ANNOTATION] === 'disabled';
const trackableSecret = (config: ConfigJson) => config.kind !== 'Secret' || TRACKED_SECRET_TYPES.includes(config.type ?? 'Opaque');

export function configTrackingOf(podSpec: JsonObject | undefined, configs: readonly ConfigJson[] = [], namespace: string): ConfigTracking {
  const referenced = new Set(configRefsOf(podSpec).map((r) => `${r.kind}/${r.name}`));
  const copies = configs
    .filter((c) => referenced.has(`${c.kind}/${c.metadata?.name}`))
    .filter((c) => (c.metadata.namespace ?? namespace) === namespace)
    .filter((c) => !optedOut(c) && trackableSecret(c))
    .sort((a, b) => (a.kind === b.kind ? compare(a.metadata.name!, b.metadata.name!) : a.kind === 'ConfigMap' ? -1 : 1));
  const namesOf = (kind: ConfigJson['kind']) => new Set(copies.filter((c) => c.kind === kind).map((c) => c.metadata.name!));
  return { tracked: { configMaps: namesOf('ConfigMap'), secrets: namesOf('Secret') }, copies };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
