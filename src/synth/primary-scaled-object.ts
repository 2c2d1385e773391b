// `<scaledobject>-primary`: the target's KEDA ScaledObject, copied to scale the primary. Flagger
// copies the scaling fields, points scaleTargetRef at `<target>-primary`, and gives each trigger
// the query `autoscalerRef.primaryScalerQueries` names for it (by trigger name); a trigger without
// one gets its query with the target's name read as the primary's.
import { ApiObject, type OwnerReference } from 'cdk8s';
import { Construct } from 'constructs';
import type { AutoscalerRef } from '../api/types.js';
import { fail } from './errors.js';
import type { JsonObject, KubeObject } from './kube-json.js';
import { CANARY_SUFFIX, primaryName } from './names.js';
import { includedOrNone } from './ownership.js';

export interface PrimaryScaledObjectProps {
  readonly scaledObject: KubeObject;
  readonly autoscalerRef: AutoscalerRef;
  /** The workload the copy scales: `<target>-primary`. */
  readonly primaryWorkloadName: string;
  /** The target's name, read as the primary's in queries that primaryScalerQueries does not replace. */
  readonly targetName: string;
  readonly namespace: string;
  readonly includeLabelPrefixes?: readonly string[];
  readonly ownerReferences?: OwnerReference[];
}

/** The fields of a ScaledObject's spec Flagger carries over to the primary's. */
const COPIED_SPEC_FIELDS = ['pollingInterval', 'cooldownPeriod', 'minReplicaCount', 'maxReplicaCount', 'advanced', 'fallback', 'idleReplicaCount'] as const;

export class PrimaryScaledObject extends Construct {
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: PrimaryScaledObjectProps) {
    super(scope, id);
    const { scaledObject, autoscalerRef } = props;
    const source = (scaledObject.spec ?? {}) as JsonObject;
    if (!Array.isArray(source.triggers)) fail(this, 'spec.triggers', `ScaledObject ${scaledObject.metadata.name} has no triggers`);
    const spec: JsonObject = {};
    const ref = (source.scaleTargetRef ?? {}) as JsonObject;
    spec.scaleTargetRef = {
      ...(ref.apiVersion !== undefined ? { apiVersion: ref.apiVersion } : {}),
      ...(ref.kind !== undefined ? { kind: ref.kind } : {}),
      name: props.primaryWorkloadName,
      ...(ref.envSourceContainerName !== undefined ? { envSourceContainerName: ref.envSourceContainerName } : {}),
    };
    for (const field of COPIED_SPEC_FIELDS) {
      if (source[field] !== undefined) spec[field] = structuredClone(source[field]);
    }
    const override = autoscalerRef.primaryScalerReplicas ?? {};
    if (override.minReplicas !== undefined) spec.minReplicaCount = override.minReplicas;
    if (override.maxReplicas !== undefined) spec.maxReplicaCount = override.maxReplicas;
    spec.triggers = (source.triggers as JsonObject[]).map((t) => primaryTrigger(t, autoscalerRef.primaryScalerQueries, props.targetName));

    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: {
        name: primaryName(scaledObject.metadata.name!),
        namespace: props.namespace,
        labels: includedOrNone(scaledObject.metadata.labels, props.includeLabelPrefixes),
        ownerReferences: props.ownerReferences,
      },
      spec,
    });
  }
}

/** One trigger of the primary's ScaledObject. */
export function primaryTrigger(trigger: JsonObject, queries: Record<string, string> | undefined, targetName: string): JsonObject {
  const copy = structuredClone(trigger);
  const metadata = copy.metadata as Record<string, string> | undefined;
  if (!metadata || typeof metadata.query !== 'string') return copy;
  const given = typeof copy.name === 'string' ? queries?.[copy.name] : undefined;
  metadata.query = given ?? queryForPrimary(metadata.query, targetName);
  return copy;
}

/**
 * The target's query read for the primary: `<target>` and `<target>-canary` both become
 * `<target>-primary`, and a name already ending in -primary is left alone. Best effort, as in
 * Flagger: primaryScalerQueries is the way to say exactly what the primary's query is.
 */
export function queryForPrimary(query: string, targetName: string): string {
  const escaped = targetName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`${escaped}(?:${CANARY_SUFFIX}|-primary)?`, 'g');
  return query.replace(pattern, primaryName(targetName));
}
