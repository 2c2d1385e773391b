// Synthesis inputs from manifest files, for `cdk8s synth` and `sluice synth`: each Canary is
// matched with the target (Deployment, DaemonSet or Service), autoscaler (HorizontalPodAutoscaler or
// ScaledObject), ConfigMaps, Secrets and the objects of its reference fields (Ingress, Upstream,
// ApisixRoute: REFERENCE_FIELDS) it names, looked up among the
// documents of its own folder (so that examples/istio and
// examples/osm may both hold a test/podinfo). An object without a namespace is taken to be in the
// Canary's, as `kubectl apply -n` would place it.
import { dirname } from 'node:path';
import { resolveCanary } from '../api/defaults.js';
import { REFERENCE_FIELDS, type ReferenceField, type ReferenceRole } from '../api/providers.js';
import { formatProblem } from '../api/problem.js';
import type { Canary } from '../api/types.js';
import { validateCanary } from '../api/validate.js';
import type { ManifestDoc } from '../io/manifests.js';
import type { SynthInput, SynthWeights } from './canary-chart.js';
import { targetKindOf } from '../api/workloads.js';
import { isKnativeTarget } from '../api/knative.js';
import type { ConfigJson, DeploymentJson, HorizontalPodAutoscalerJson, KubeObject } from './kube-json.js';
import type { SynthSettings } from './operator-settings.js';

export interface ManifestInputOptions {
  /** The operator's default provider, for Canaries that set none. @default istio */
  readonly provider?: string;
  readonly weights: SynthWeights;
  readonly phase?: string;
  /** The operator's settings to show the output of (operator-settings.ts). @default Flagger's defaults */
  readonly settings?: SynthSettings;
}

export interface CanaryInput {
  /** The folder the Canary was found in. */
  readonly folder: string;
  /** The file the Canary came from. */
  readonly file: string;
  readonly input: SynthInput;
}

/** One SynthInput per Canary in `docs`, in file order. Throws, naming the file, on a missing or invalid object. */
export function canaryInputsOf(docs: readonly ManifestDoc[], options: ManifestInputOptions): CanaryInput[] {
  return docs
    .filter((d) => d.object.apiVersion === 'flagger.app/v1beta1' && d.object.kind === 'Canary')
    .map((doc) => {
      const folder = dirname(doc.file);
      const siblings = docs.filter((d) => dirname(d.file) === folder).map((d) => d.object as unknown as KubeObject);
      return { folder, file: doc.file, input: inputOf(doc, siblings, options) };
    });
}

function inputOf(doc: ManifestDoc, objects: KubeObject[], options: ManifestInputOptions): SynthInput {
  const canary = doc.object as unknown as Canary;
  const where = `${doc.file}: Canary ${canary.metadata?.namespace ?? 'default'}/${canary.metadata?.name}`;
  const problems = validateCanary(canary, options.provider);
  if (problems.length) throw new Error(`${where} is invalid:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
  const resolved = resolveCanary(canary, { provider: options.provider });
  const namespace = resolved.namespace;
  // Two APIs may share a kind (Gloo Edge's and Gloo Mesh's RouteTable): the one of `group` is preferred.
  const find = (kind: string, name: string | undefined, ns = namespace, group?: string) => {
    const found = objects.filter((o) => o.kind === kind && o.metadata?.name === name && (o.metadata.namespace ?? namespace) === ns);
    return found.find((o) => group !== undefined && o.apiVersion?.split('/')[0] === group) ?? found[0];
  };
  const need = (field: string, kind: string, name: string, ns = namespace, group?: string) => {
    const found = find(kind, name, ns, group);
    if (!found) throw new Error(`${where}: ${field} names ${kind} ${ns}/${name}, which is not in ${dirname(doc.file)}`);
    return found;
  };
  const { spec } = canary;
  const target = targetOf(spec.targetRef, (kind, name) => need('spec.targetRef', kind, name), { objects, namespace, where, file: doc.file });
  const scaler = spec.autoscalerRef ? need('spec.autoscalerRef', spec.autoscalerRef.kind, spec.autoscalerRef.name) : undefined;
  const hpa = scaler?.kind === 'HorizontalPodAutoscaler' ? (scaler as unknown as HorizontalPodAutoscalerJson) : undefined;
  const scaledObject = scaler?.kind === 'ScaledObject' ? scaler : undefined;
  // Each reference field's object, by role; an Upstream may be in another namespace.
  const referenced: { -readonly [Role in ReferenceRole]?: KubeObject } = {};
  for (const [field, what] of Object.entries(REFERENCE_FIELDS) as [ReferenceField, (typeof REFERENCE_FIELDS)[ReferenceField]][]) {
    const ref = spec[field];
    if (ref?.name) {
      const ns = (what.crossNamespace ? ref.namespace : undefined) ?? namespace;
      referenced[what.role] = need(`spec.${field}`, what.kind, ref.name, ns, what.apiVersion.split('/')[0]);
    }
  }
  // Synthesis copies only the ones the pod template references; offering all of them is enough.
  const configs = objects.filter(
    (o) => (o.kind === 'ConfigMap' || o.kind === 'Secret') && (o.metadata?.namespace ?? namespace) === namespace,
  ) as unknown as ConfigJson[];
  return {
    ...options.settings,
    canary: withNamespace(canary, namespace),
    resolved,
    target: withNamespace(target, namespace),
    ...(hpa ? { hpa } : {}),
    ...(scaledObject ? { scaledObject } : {}),
    configs,
    ...(Object.keys(referenced).length ? { referenced } : {}),
    weights: options.weights,
    ...(options.phase ? { phase: options.phase } : {}),
  };
}

/** The target among the objects; a knative Canary's is a Service of serving.knative.dev, not a core/v1 one of the same name. */
function targetOf(
  ref: Canary['spec']['targetRef'],
  need: (kind: string, name: string) => KubeObject,
  at: { objects: KubeObject[]; namespace: string; where: string; file: string },
): DeploymentJson {
  if (!isKnativeTarget(ref)) return need(targetKindOf(ref), ref.name) as unknown as DeploymentJson;
  const { objects, namespace, where, file } = at;
  const found = objects.find((o) => isKnativeTarget(o) && o.metadata?.name === ref.name && (o.metadata.namespace ?? namespace) === namespace);
  if (!found) throw new Error(`${where}: spec.targetRef names Knative Service ${namespace}/${ref.name}, which is not in ${dirname(file)}`);
  return found as unknown as DeploymentJson;
}

function withNamespace<T extends { metadata: { namespace?: string } }>(object: T, namespace: string): T {
  return object.metadata.namespace ? object : { ...object, metadata: { ...object.metadata, namespace } };
}
