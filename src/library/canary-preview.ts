// The preview construct: renders into the user's chart what Sluice would apply for a Canary at one
// step of its rollout (primary Deployment, Services, primary HPA, config copies, routing objects),
// by the very synthesis the controller runs on every reconcile (synthesizeCanary), for review and
// diffing in GitOps. The objects are rendered when the preview is declared, so it is declared after
// the Canary and its Deployment; a validation fails synth when either changed since.
import { ApiObject, type ApiObjectProps } from 'cdk8s';
import { Construct, type IConstruct } from 'constructs';
import { resolveCanary } from '../api/defaults.js';
import { type Problem, problem } from '../api/problem.js';
import type { Canary as CanaryJson } from '../api/types.js';
import { validateCanary } from '../api/validate.js';
import { synthesizeCanary } from '../synth/canary-chart.js';
import { SynthError } from '../synth/errors.js';
import type { ConfigJson, DeploymentJson, HorizontalPodAutoscalerJson, KubeObject } from '../synth/kube-json.js';
import type { Canary } from './canary.js';
import type { TargetWorkload } from './target.js';
import { checkedWith } from './validation.js';

export interface CanaryPreviewProps {
  /** The Canary whose generated objects are shown. */
  readonly canary: Canary;
  /**
   * The Deployment the Canary targets.
   * @default - the construct given as the Canary's spec.targetRef (required when that is a plain reference)
   */
  readonly target?: TargetWorkload;
  /**
   * Percent of traffic on the canary at the step shown (0 to 100).
   * @default 0
   */
  readonly weight?: number;
  /**
   * Show the step that mirrors traffic to the canary.
   * @default false
   */
  readonly mirror?: boolean;
  /**
   * The Canary's phase at the step shown.
   * @default - none
   */
  readonly phase?: string;
  /**
   * The operator's default provider, for a Canary without spec.provider.
   * @default istio
   */
  readonly provider?: string;
  /**
   * The HorizontalPodAutoscaler named by spec.autoscalerRef.
   * @default - none (required when the Canary has an autoscalerRef)
   */
  readonly autoscaler?: IConstruct;
  /**
   * ConfigMaps and Secrets the target may use; those its pod template references get `-primary` copies.
   * @default - none
   */
  readonly configs?: readonly IConstruct[];
  /**
   * The Ingress named by spec.ingressRef.
   * @default - none (required when the provider is nginx or skipper)
   */
  readonly ingress?: IConstruct;
  /**
   * The Gloo Upstream named by spec.upstreamRef.
   * @default - none (required when the Canary has an upstreamRef)
   */
  readonly upstream?: IConstruct;
  /**
   * The Gloo Mesh RouteTable named by spec.routeTableRef, which delegates to the one Sluice writes.
   * @default - none (required when the provider is gloo-mesh)
   */
  readonly routeTable?: IConstruct;
}

type Rendered = { readonly objects: KubeObject[] } | { readonly problems: Problem[] };

/** What Sluice would apply for a Canary at one step, as ApiObjects of the chart it is declared in. */
export class CanaryPreview extends Construct {
  /** The generated objects, in the order the controller applies them. */
  readonly objects: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: CanaryPreviewProps) {
    super(scope, id);
    const rendered = render(props);
    const objects = 'objects' in rendered ? rendered.objects : [];
    this.objects = objects.map((o) => new ApiObject(this, `${o.kind}-${o.metadata.name}`, o as unknown as ApiObjectProps));
    checkedWith(this, () => {
      if ('problems' in rendered) return rendered.problems;
      const now = render(props);
      if ('problems' in now || JSON.stringify(now.objects) !== JSON.stringify(objects)) {
        return [problem('canary', `${props.canary.node.path} or its target changed after this preview rendered it: declare the CanaryPreview after both`)];
      }
      return [];
    });
  }
}

function render(props: CanaryPreviewProps): Rendered {
  const weight = props.weight ?? 0;
  if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
    return { problems: [problem('weight', `must be an integer from 0 to 100, got ${weight}`)] };
  }
  const canary = props.canary.toJson() as CanaryJson;
  if (validateCanary(canary, props.provider).length > 0) {
    return { problems: [problem('canary', `${props.canary.node.path} is invalid; its own errors say why`)] };
  }
  const target = props.target ? ApiObject.of(props.target) : props.canary.target;
  if (!target) return { problems: [problem('target', "is required when the Canary's spec.targetRef is a plain reference")] };
  const resolved = resolveCanary(canary, { provider: props.provider });
  const namespace = resolved.namespace;
  const json = <T>(c: IConstruct): T => inNamespace(ApiObject.of(c).toJson(), namespace) as T;
  try {
    const out = synthesizeCanary({
      canary: inNamespace(canary, namespace),
      resolved,
      target: json<DeploymentJson>(target),
      ...(props.autoscaler ? { hpa: json<HorizontalPodAutoscalerJson>(props.autoscaler) } : {}),
      configs: (props.configs ?? []).map((c) => json<ConfigJson>(c)),
      referenced: {
        ...(props.ingress ? { ingress: json<KubeObject>(props.ingress) } : {}),
        ...(props.upstream ? { upstream: json<KubeObject>(props.upstream) } : {}),
        ...(props.routeTable ? { routeTable: json<KubeObject>(props.routeTable) } : {}),
      },
      weights: { primary: 100 - weight, canary: weight, mirror: props.mirror === true },
      ...(props.phase !== undefined ? { phase: props.phase } : {}),
    });
    return { objects: out.objects };
  } catch (err) {
    if (err instanceof SynthError) return { problems: [problem(err.field, err.detail)] };
    throw err;
  }
}

/** An object without a namespace is in the Canary's, as `kubectl apply -n` would place it. */
function inNamespace<T extends { metadata?: { namespace?: string } }>(object: T, namespace: string): T {
  return object.metadata?.namespace ? object : { ...object, metadata: { ...object.metadata, namespace } };
}
