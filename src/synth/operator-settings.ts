// The operator-wide settings that shape what synthesis writes, under the names of Flagger's flags
// that set them (-selector-labels, -include-label-prefix, -ingress-annotations-prefix,
// -ingress-class). The controller passes the operator's; `sluice synth` and `cdk8s synth` pass
// their own options, so both show what the controller would apply.
import { DEFAULT_SELECTOR_LABELS } from './selector-label.js';

export interface SynthSettings {
  /** Flagger's -selector-labels: the first of these in the target's matchLabels tells primary from canary pods. */
  readonly selectorLabels?: readonly string[];
  /**
   * Flagger's -include-label-prefix: the target's (and its HorizontalPodAutoscaler's) labels and
   * annotations copied to the primary's; "*" copies all. @default none, as Flagger
   */
  readonly includeLabelPrefixes?: readonly string[];
  /** Flagger's -ingress-annotations-prefix (NGINX). @default nginx.ingress.kubernetes.io */
  readonly ingressAnnotationsPrefix?: string;
  /** Flagger's -ingress-class: `spec.ingressClassName` of Contour's HTTPProxy. @default none */
  readonly ingressClass?: string;
}

export const DEFAULT_SYNTH_SETTINGS = {
  selectorLabels: DEFAULT_SELECTOR_LABELS,
  // Flagger's flag defaults to "", which copies no label since Flagger 1.30 (its kustomize
  // overlays set app.kubernetes.io).
  includeLabelPrefixes: [] as readonly string[],
} as const;

/** A comma-separated flag value as a list: "app, name" -> ["app", "name"]; empty entries dropped. */
export function commaList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
