// The one label that tells primary pods from canary pods. Flagger picks the first of its
// `-selector-labels` (app, name, app.kubernetes.io/name) found in the target's matchLabels;
// the primary gets `<value>-primary` for that label, everything else stays as the user wrote it.
import type { DeploymentJson } from './kube-json.js';
import { primaryName } from './names.js';

export const DEFAULT_SELECTOR_LABELS: readonly string[] = ['app', 'name', 'app.kubernetes.io/name'];

export interface SelectorLabel {
  readonly key: string;
  /** The target's (canary's) value. */
  readonly value: string;
  /** `<value>-primary`. */
  readonly primaryValue: string;
}

/** The selector label of `target`, or undefined when its matchLabels has none of `candidates`. */
export function selectorLabelOf(target: DeploymentJson, candidates: readonly string[] = DEFAULT_SELECTOR_LABELS): SelectorLabel | undefined {
  const matchLabels = target.spec?.selector?.matchLabels ?? {};
  for (const key of candidates) {
    const value = matchLabels[key];
    if (typeof value === 'string' && value !== '') return { key, value, primaryValue: primaryName(value) };
  }
  return undefined;
}
