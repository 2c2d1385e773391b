// The pure rewrite of a target's pod spec into the primary's: references to tracked ConfigMaps and
// Secrets point at their `-primary` copies (so a config change reaches the canary first), and label
// selectors in (anti-)affinity and topology spread constraints that pick the target's own pods pick
// the primary's instead. Everything else is copied as it is, unknown fields included.
import { isJsonObject, type JsonObject, type LabelSelectorJson } from './kube-json.js';
import { primaryName } from './names.js';
import type { SelectorLabel } from './selector-label.js';

export type ConfigKind = 'ConfigMap' | 'Secret';

export interface ConfigRef {
  readonly kind: ConfigKind;
  readonly name: string;
}

/** The ConfigMaps and Secrets whose references are rewritten to `-primary` copies. */
export interface TrackedConfigs {
  readonly configMaps: ReadonlySet<string>;
  readonly secrets: ReadonlySet<string>;
}

export const NO_TRACKED_CONFIGS: TrackedConfigs = { configMaps: new Set(), secrets: new Set() };

/**
 * One place that knows where a pod spec names a ConfigMap or Secret (the places Flagger's config
 * tracker covers): volumes, projected volume sources, and env/envFrom of containers and
 * initContainers. `visit` sees the object holding the name and the key the name sits under.
 */
function forEachConfigRef(podSpec: JsonObject, visit: (kind: ConfigKind, holder: JsonObject, key: string) => void): void {
  const at = (holder: unknown, key: string, kind: ConfigKind) => {
    if (isJsonObject(holder) && typeof holder[key] === 'string') visit(kind, holder, key);
  };
  for (const volume of asArray(podSpec.volumes)) {
    at(volume.configMap, 'name', 'ConfigMap');
    at(volume.secret, 'secretName', 'Secret');
    for (const source of asArray(volume.projected?.sources)) {
      at(source.configMap, 'name', 'ConfigMap');
      at(source.secret, 'name', 'Secret');
    }
  }
  for (const container of [...asArray(podSpec.containers), ...asArray(podSpec.initContainers)]) {
    for (const env of asArray(container.env)) {
      at(env.valueFrom?.configMapKeyRef, 'name', 'ConfigMap');
      at(env.valueFrom?.secretKeyRef, 'name', 'Secret');
    }
    for (const from of asArray(container.envFrom)) {
      at(from.configMapRef, 'name', 'ConfigMap');
      at(from.secretRef, 'name', 'Secret');
    }
  }
}

/** Every ConfigMap and Secret the pod spec names, once each, in the order they appear. */
export function configRefsOf(podSpec: JsonObject | undefined): ConfigRef[] {
  const seen = new Map<string, ConfigRef>();
  if (podSpec) {
    forEachConfigRef(podSpec, (kind, holder, key) => {
      const name = holder[key] as string;
      seen.set(`${kind}/${name}`, { kind, name });
    });
  }
  return [...seen.values()];
}

/** A deep copy of the target's pod spec as the primary must run it. */
export function primaryPodSpec(podSpec: JsonObject | undefined, tracked: TrackedConfigs, selector: SelectorLabel): JsonObject {
  const spec: JsonObject = structuredClone(podSpec ?? {});
  forEachConfigRef(spec, (kind, holder, key) => {
    const names = kind === 'ConfigMap' ? tracked.configMaps : tracked.secrets;
    if (names.has(holder[key])) holder[key] = primaryName(holder[key]);
  });
  for (const selectorObject of podLabelSelectorsOf(spec)) pointAtPrimary(selectorObject, selector);
  return spec;
}

/** The label selectors in a pod spec that select pods: (anti-)affinity terms and spread constraints. */
function podLabelSelectorsOf(spec: JsonObject): LabelSelectorJson[] {
  const out: LabelSelectorJson[] = [];
  const add = (s: unknown) => {
    if (isJsonObject(s)) out.push(s as LabelSelectorJson);
  };
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const terms = spec.affinity?.[kind];
    for (const term of asArray(terms?.requiredDuringSchedulingIgnoredDuringExecution)) add(term.labelSelector);
    for (const weighted of asArray(terms?.preferredDuringSchedulingIgnoredDuringExecution)) add(weighted.podAffinityTerm?.labelSelector);
  }
  for (const constraint of asArray(spec.topologySpreadConstraints)) add(constraint.labelSelector);
  return out;
}

/**
 * Only the selector label is rewritten: the primary's pods keep every other label as the target's
 * have it, so a term on another key still matches them unchanged.
 */
function pointAtPrimary(labelSelector: LabelSelectorJson, { key, value, primaryValue }: SelectorLabel): void {
  if (labelSelector.matchLabels?.[key] === value) labelSelector.matchLabels[key] = primaryValue;
  for (const expression of asArray(labelSelector.matchExpressions)) {
    if (expression.key === key && Array.isArray(expression.values)) {
      expression.values = expression.values.map((v: unknown) => (v === value ? primaryValue : v));
    }
  }
}

function asArray(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}
