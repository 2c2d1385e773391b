// Which routing objects a Canary has: the ones synthesis names for it (VirtualService,
// TrafficSplit, HTTPRoute, the NGINX canary Ingress, ...), found by synthesizing its chart with
// the objects it is built from, as the controller does; the dashboard then reads each one as
// stored for the weights it carries now (route-weights.ts). Names do not depend on the weights,
// so any step gives them.
import { resolveCanary, type OperatorDefaults } from '../api/defaults.js';
import type { Canary } from '../api/types.js';
import { isSupportedTargetKind, targetEntryOf, targetKindOf, type TargetKind } from '../api/workloads.js';
import { referencesOf, type ReferenceRole } from '../controller/references.js';
import { RESOURCES, type KubeClient, type KubeObject } from '../kube/index.js';
import { synthesizeCanary } from '../synth/canary-chart.js';
import type { DeploymentJson, HorizontalPodAutoscalerJson } from '../synth/kube-json.js';

/** What synthesis reads besides the Canary: the target, an HPA, and the referenced objects by role. */
export interface RoutingInputs {
  readonly target?: KubeObject;
  readonly hpa?: KubeObject;
  /** As references.ts names them: the reference fields' objects, a ScaledObject, a Knative Service. */
  readonly referenced?: Partial<Record<ReferenceRole, KubeObject>>;
}

/**
 * The routing objects synthesis names for `canary` (apiVersion, kind, name, namespace only);
 * none before its target exists. Throws synthesis's error when the Canary lacks what its
 * provider needs. A Canary without `spec.provider` takes `defaults.provider`, as the operator does.
 */
export function routingStubsOf(canary: Canary, inputs: RoutingInputs, defaults: OperatorDefaults): KubeObject[] {
  // As the controller's snapshot: a ScaledObject is the autoscaler's input, a Knative Service the target.
  const { scaledObject, ...byField } = inputs.referenced ?? {};
  const target = inputs.target ?? byField.knativeService;
  if (!target) return [];
  const out = synthesizeCanary({
    canary,
    resolved: resolveCanary(canary, defaults),
    target: target as unknown as DeploymentJson,
    ...(inputs.hpa ? { hpa: inputs.hpa as unknown as HorizontalPodAutoscalerJson } : {}),
    ...(scaledObject ? { scaledObject } : {}),
    referenced: byField,
    weights: { primary: 100, canary: 0 },
  });
  return out.byRole.routes.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace } }));
}

/** Where each target kind of the table (workloads.ts) is read. */
const TARGET_TYPES: Record<TargetKind, (typeof RESOURCES)[keyof typeof RESOURCES]> = {
  Deployment: RESOURCES.deployments,
  DaemonSet: RESOURCES.daemonSets,
  Service: RESOURCES.services,
};

/** Reads what routingStubsOf needs, with the caller's credentials; a missing object is left out. */
export async function readRoutingInputs(client: KubeClient, canary: Canary): Promise<RoutingInputs> {
  const namespace = canary.metadata.namespace ?? 'default';
  const ref = canary.spec.targetRef;
  // A Knative Service target is read below, as a reference (targetEntryOf knows only core kinds).
  const kind = targetKindOf(ref);
  const targetType = targetEntryOf(ref) && isSupportedTargetKind(kind) ? TARGET_TYPES[kind] : undefined;
  const inputs: { target?: KubeObject; hpa?: KubeObject; referenced: Partial<Record<ReferenceRole, KubeObject>> } = { referenced: {} };
  if (targetType && ref?.name) inputs.target = await client.getIfExists<KubeObject>(targetType, ref.name, namespace);
  const scaler = canary.spec.autoscalerRef;
  if (scaler?.kind === 'HorizontalPodAutoscaler' && scaler.name) {
    inputs.hpa = await client.getIfExists<KubeObject>(RESOURCES.horizontalPodAutoscalers, scaler.name, namespace);
  }
  for (const { role, object } of referencesOf(canary)) {
    const type = await client.discovery.resourceFor(object.apiVersion, object.kind).catch(() => undefined);
    const found = type ? await client.getIfExists<KubeObject>(type, object.metadata.name ?? '', object.metadata.namespace) : undefined;
    if (found) inputs.referenced[role] = found;
  }
  return inputs;
}

/** Each named routing object as stored, or undefined when it does not exist (yet). */
export async function readRoutingObjects(client: KubeClient, stubs: readonly KubeObject[]): Promise<{ stub: KubeObject; live?: KubeObject }[]> {
  const out: { stub: KubeObject; live?: KubeObject }[] = [];
  for (const stub of stubs) {
    const type = await client.discovery.resourceFor(stub.apiVersion, stub.kind);
    const live = await client.getIfExists<KubeObject>(type, stub.metadata.name ?? '', stub.metadata.namespace);
    out.push({ stub, ...(live ? { live } : {}) });
  }
  return out;
}
