// A DaemonSet cannot be scaled: Flagger "scales it to zero" by adding a node selector that no node
// matches (`flagger.app/scale-to-zero: "true"`) and scales it up by removing it again. That key is
// Flagger's, not the user's: it never reaches the primary and never counts as a new revision.
import { SCALE_TO_ZERO_NODE_SELECTOR } from '../api/workloads.js';
import type { JsonObject } from './kube-json.js';

interface WithPodTemplate {
  spec?: { template?: { spec?: JsonObject } };
}

/** Whether the target carries the node selector that keeps its pods off every node. */
export function isScaledToZeroBySelector(workload: WithPodTemplate | undefined): boolean {
  const selector = workload?.spec?.template?.spec?.nodeSelector as Record<string, string> | undefined;
  return Object.entries(SCALE_TO_ZERO_NODE_SELECTOR).every(([k, v]) => selector?.[k] === v);
}

/** `workload` as the user wrote it: without the scale-to-zero key (and without a nodeSelector it emptied). */
export function withoutScaleToZero<T extends WithPodTemplate>(workload: T): T {
  const podSpec = workload.spec?.template?.spec;
  const selector = podSpec?.nodeSelector as Record<string, string> | undefined;
  if (!selector || !Object.keys(SCALE_TO_ZERO_NODE_SELECTOR).some((k) => k in selector)) return workload;
  const kept = Object.fromEntries(Object.entries(selector).filter(([k]) => !(k in SCALE_TO_ZERO_NODE_SELECTOR)));
  const { nodeSelector: _dropped, ...rest } = podSpec!;
  const spec = Object.keys(kept).length ? { ...rest, nodeSelector: kept } : rest;
  return { ...workload, spec: { ...workload.spec, template: { ...workload.spec!.template, spec } } };
}

/** The merge patch that scales a DaemonSet to zero (`down`) or back up; null deletes the key. */
export function scaleToZeroPatch(down: boolean): JsonObject {
  const nodeSelector = Object.fromEntries(Object.entries(SCALE_TO_ZERO_NODE_SELECTOR).map(([k, v]) => [k, down ? v : null]));
  return { spec: { template: { spec: { nodeSelector } } } };
}
