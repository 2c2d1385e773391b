// What decide() needs to take over a Canary whose status Flagger wrote (src/rollout/takeover.ts):
// whether the live primary runs the template Sluice would give it from the target, and Flagger's
// checksums of the tracked configs. Pure, from the same caches as the rest of the observation.
import type { ConfigJson, DeploymentJson } from '../synth/kube-json.js';
import { primaryTemplateOf } from '../synth/primary-deployment.js';
import { PROMOTION_ID_ANNOTATION } from '../synth/promotion-id.js';
import { DEFAULT_SELECTOR_LABELS, selectorLabelOf } from '../synth/selector-label.js';
import { configTrackingOf } from '../synth/tracked-configs.js';
import { templateRevision } from '../rollout/revision.js';
import { flaggerChecksums } from '../rollout/flagger-checksum.js';
import type { TakeoverEvidence } from '../rollout/takeover.js';
import type { DeploymentLike } from '../rollout/readiness.js';

export function takeoverEvidence(
  target: DeploymentLike,
  primary: DeploymentLike | undefined,
  configs: readonly ConfigJson[],
  namespace: string,
): TakeoverEvidence {
  const deployment = target as unknown as DeploymentJson;
  const podSpec = deployment.spec?.template?.spec;
  const { tracked, copies } = configTrackingOf(podSpec, configs, namespace);
  const flaggerConfigChecksums: Record<string, string[]> = {};
  // Flagger hashes `data` only, for ConfigMaps and Secrets alike.
  for (const c of copies) flaggerConfigChecksums[`${c.kind.toLowerCase()}/${c.metadata.name}`] = flaggerChecksums(c.data);
  const selector = selectorLabelOf(deployment, DEFAULT_SELECTOR_LABELS);
  const primaryTemplate = primary?.spec?.template;
  const primaryRunsTarget =
    selector !== undefined &&
    primaryTemplate !== undefined &&
    deployment.spec?.template !== undefined &&
    templateRevision(withoutPromotionId(primaryTemplate)) === templateRevision(withoutPromotionId(primaryTemplateOf(deployment, selector, tracked)));
  return { primaryRunsTarget, flaggerConfigChecksums };
}

/** The pod template without `flagger-id`, which differs at every promotion (Flagger's is random). */
function withoutPromotionId(template: unknown): unknown {
  const t = template as { metadata?: { annotations?: Record<string, string> } };
  const annotations = t.metadata?.annotations;
  if (!annotations || !(PROMOTION_ID_ANNOTATION in annotations)) return template;
  const { [PROMOTION_ID_ANNOTATION]: _id, ...rest } = annotations;
  return { ...t, metadata: { ...t.metadata, annotations: rest } };
}
