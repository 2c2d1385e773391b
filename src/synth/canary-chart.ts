// The canary chart: everything Sluice creates for one Canary at one step of its rollout, as a
// cdk8s Chart. The controller calls synthesizeCanary() on every reconcile; `cdk8s synth` and
// `sluice synth` build the very same chart from files. Pure: no I/O, no clock, no randomness.
import { App, Chart, type ApiObject, type OwnerReference } from 'cdk8s';
import { Construct } from 'constructs';
import type { ResolvedCanary } from '../api/defaults.js';
import { capabilitiesOf, isSupportedProvider, type Referenced } from '../api/providers.js';
import { CANARY_PHASES, type Canary } from '../api/types.js';
import { ConfigCopies } from './config-copies.js';
import { fail } from './errors.js';
import type { ConfigJson, DeploymentJson, HorizontalPodAutoscalerJson, KubeObject } from './kube-json.js';
import { primaryName, serviceNamesOf, type ServiceNames } from './names.js';
import { canaryOwnerReferences } from './ownership.js';
import { PrimaryAutoscaler } from './primary-autoscaler.js';
import { PrimaryDaemonSet } from './primary-daemonset.js';
import { PrimaryDeployment } from './primary-deployment.js';
import { PrimaryScaledObject } from './primary-scaled-object.js';
import { withoutScaleToZero } from './scale-to-zero.js';
import { SUPPORTED_TARGET_KINDS, targetIsService, targetKindOf } from '../api/workloads.js';
import { PROMOTION_ID_ANNOTATION, promotionIdOf } from './promotion-id.js';
import { ROUTED_PROVIDERS, routerFor } from './routers/registry.js';
import { knativeRoutes } from './routers/knative.js';
import { KNATIVE_SERVICE, isKnativeTarget, type KnativeServiceLike } from '../api/knative.js';
import type { RouteContext, RouteWeights, Router } from './routers/router.js';
import { DEFAULT_SYNTH_SETTINGS, type SynthSettings } from './operator-settings.js';
import { selectorLabelOf, type SelectorLabel } from './selector-label.js';
import { ServiceCopies } from './service-copies.js';
import { CanaryServices } from './services.js';
import { configTrackingOf } from './tracked-configs.js';

export interface SynthWeights {
  /** Percent of traffic to the primary; primary + canary = 100. */
  readonly primary: number;
  /** Percent of traffic to the canary. */
  readonly canary: number;
  /** Shadow live traffic to the canary (providers that can mirror). @default false */
  readonly mirror?: boolean;
}

/** One Canary at one step, with the operator's settings (operator-settings.ts). */
export interface SynthInput extends SynthSettings {
  /** The Canary as stored (flagger.app/v1beta1). */
  readonly canary: Canary;
  /** resolveCanary(canary, operatorDefaults). */
  readonly resolved: ResolvedCanary;
  /**
   * The Deployment, DaemonSet or Service named by spec.targetRef, plain JSON as read (every field is
   * kept); for provider knative, the Knative Service (read as KnativeServiceLike).
   */
  readonly target: DeploymentJson;
  /** The HorizontalPodAutoscaler named by spec.autoscalerRef, when it names one. */
  readonly hpa?: HorizontalPodAutoscalerJson;
  /** The KEDA ScaledObject named by spec.autoscalerRef, when it names one. */
  readonly scaledObject?: KubeObject;
  /** ConfigMaps and Secrets the target uses; the trackable ones referenced by its pod template get `-primary` copies. */
  readonly configs?: readonly ConfigJson[];
  /** The objects the reference fields name (REFERENCE_FIELDS): spec.ingressRef's Ingress, spec.upstreamRef's Upstream, ... */
  readonly referenced?: Referenced<KubeObject>;
  readonly weights: SynthWeights;
  /** The Canary's phase at this step; checked, not yet read by any router. */
  readonly phase?: string;
  /**
   * Annotations stamped on the primary's pod template, over the `flagger-id` derived from
   * `canary.status` (promotion-id.ts).
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * This step copies the target to the primary (initialization, promotion). Only a Knative target
   * reads it: its latest revision becomes the primary revision. The controller leaves a workload's
   * primary out of the objects it applies otherwise (src/operator/run.ts).
   */
  readonly promote?: boolean;
}

export interface SynthOutput {
  /** Every object, in the order to apply them: configs, primary, autoscaler, Services, routes. */
  readonly objects: KubeObject[];
  readonly byRole: {
    readonly configs: KubeObject[];
    /**
     * `<target>-primary`: a Deployment or a DaemonSet, as the target is; for a Service target the
     * primary's copy of the Service (applied, like a primary workload, only to initialize or promote);
     * none for a Knative Service.
     */
    readonly primaryDeployment?: KubeObject;
    /** `<autoscaler>-primary`: a HorizontalPodAutoscaler or a ScaledObject. */
    readonly hpa?: KubeObject;
    /**
     * The apex, primary and canary Services; a Service target has only its `-canary` copy here; none
     * for a Knative Service, as Flagger makes none.
     */
    readonly services?: { readonly canary: KubeObject; readonly primary?: KubeObject; readonly apex?: KubeObject };
    readonly routes: KubeObject[];
  };
}

/** `<name>.<namespace>`, Flagger's way of naming a Canary in messages: the chart's construct id. */
export function chartIdOf(resolved: ResolvedCanary): string {
  return `${resolved.name}.${resolved.namespace}`;
}

export class CanaryChart extends Chart {
  private readonly roles: Roles;

  constructor(scope: Construct, id: string, input: SynthInput) {
    super(scope, id);
    const { canary, resolved } = input;
    const weights = checkedWeights(this, input);
    const router = routerFor(resolved.provider);
    if (!router) {
      fail(this, 'spec.provider', `${resolved.provider} has no router in Sluice; use one of ${ROUTED_PROVIDERS.join(', ')}`);
    }
    checkCapabilities(this, resolved, weights);
    if (isKnativeTarget(canary.spec.targetRef) || resolved.provider === 'knative') {
      this.roles = { configs: [], routes: knativeRolesOf(this, input, weights) };
      return;
    }
    // Flagger's scale-to-zero node selector of a DaemonSet target is never the user's.
    const target = withoutScaleToZero(input.target);
    checkTarget(this, canary, target);
    const common = {
      namespace: resolved.namespace,
      weights,
      ownerReferences: canaryOwnerReferences(canary),
      includeLabelPrefixes: input.includeLabelPrefixes ?? DEFAULT_SYNTH_SETTINGS.includeLabelPrefixes,
    };
    this.roles = targetIsService(canary.spec.targetRef)
      ? serviceTargetRoles(this, input, router, common)
      : workloadRoles(this, { ...input, target }, router, common);
  }

  /** The chart's objects as plain JSON, each rendered once, grouped by role and in apply order. */
  render(): SynthOutput {
    const { configs, primaryDeployment, hpa, services, routes } = this.roles;
    const json = (o: ApiObject) => o.toJson() as KubeObject;
    const byRole = {
      configs: configs.map(json),
      ...(primaryDeployment ? { primaryDeployment: json(primaryDeployment) } : {}),
      ...(hpa ? { hpa: json(hpa) } : {}),
      ...(services
        ? {
            services: {
              canary: json(services.canary),
              ...(services.primary ? { primary: json(services.primary) } : {}),
              ...(services.apex ? { apex: json(services.apex) } : {}),
            },
          }
        : {}),
      routes: routes.map(json),
    };
    const objects = [
      ...byRole.configs,
      ...(byRole.primaryDeployment ? [byRole.primaryDeployment] : []),
      ...(byRole.hpa ? [byRole.hpa] : []),
      ...(byRole.services ? [byRole.services.canary] : []),
      ...(byRole.services?.primary ? [byRole.services.primary] : []),
      ...(byRole.services?.apex ? [byRole.services.apex] : []),
      ...byRole.routes,
    ];
    return { objects, byRole };
  }
}

/** Everything Sluice applies for `input`, in apply order. Throws a SynthError on bad input. */
export function synthesizeCanary(input: SynthInput): SynthOutput {
  // A fresh App per call: an App writes nothing until synth(), so this costs no I/O.
  return new CanaryChart(new App(), chartIdOf(input.resolved), input).render();
}

interface Roles {
  configs: ApiObject[];
  primaryDeployment?: ApiObject;
  hpa?: ApiObject;
  services?: { canary: ApiObject; primary?: ApiObject; apex?: ApiObject };
  routes: ApiObject[];
}

/** What every target's objects share. */
interface Common {
  readonly namespace: string;
  readonly weights: RouteWeights;
  readonly ownerReferences: OwnerReference[];
  readonly includeLabelPrefixes: readonly string[] | undefined;
}

/** A Deployment or DaemonSet target: its primary, autoscaler and config copies, the three Services, the routes. */
function workloadRoles(chart: Construct, input: SynthInput, router: Router, common: Common): Roles {
  const { canary, resolved, target } = input;
  const { namespace, ownerReferences, includeLabelPrefixes } = common;
  const selectorLabels = input.selectorLabels ?? DEFAULT_SYNTH_SETTINGS.selectorLabels;
  const selector =
    selectorLabelOf(target, selectorLabels) ??
    fail(
      chart,
      'spec.selector.matchLabels',
      `${targetKindOf(canary.spec.targetRef)} ${namespace}/${target.metadata.name} has none of the labels ${selectorLabels.join(', ')}; Sluice tells primary from canary pods by the first of them it finds`,
    );
  const names = serviceNamesOf(resolved);
  const podSpec = target.spec.template?.spec;
  const scaler = autoscalerOf(chart, canary, input, namespace);

  const { tracked, copies } = configTrackingOf(podSpec, input.configs, namespace);
  const configs = new ConfigCopies(chart, 'Configs', { configs: copies, namespace, ownerReferences });
  const workload = {
    target,
    namespace,
    selector,
    tracked,
    podAnnotations: podAnnotationsOf(canary, input.podAnnotations),
    includeLabelPrefixes,
    ownerReferences,
  };
  const primary =
    targetKindOf(canary.spec.targetRef) === 'DaemonSet'
      ? new PrimaryDaemonSet(chart, 'Primary', workload)
      : new PrimaryDeployment(chart, 'Primary', { ...workload, autoscaled: scaler !== undefined });
  const autoscaler = primaryScalerOf(chart, canary, scaler, { namespace, includeLabelPrefixes, ownerReferences });
  const ctx = routeContextOf(input, common, names, selector);
  const services = new CanaryServices(chart, 'Services', {
    service: resolved.service,
    names,
    namespace,
    selector,
    podSpec,
    apexSelects: router.apexSelects?.(ctx) ?? 'primary',
    ownerReferences,
  });
  return {
    configs: configs.apiObjects,
    primaryDeployment: primary.apiObject,
    hpa: autoscaler?.apiObject,
    services: { canary: services.canary, primary: services.primary, apex: services.apex },
    routes: routesOf(chart, router, ctx),
  };
}

/**
 * A Service target (Flagger's ServiceController and no-op Kubernetes router): the Service copied as
 * `-primary` and `-canary`, then the provider's routes between them. No workload, no apex (the
 * target is the apex), no config copies.
 */
function serviceTargetRoles(chart: Construct, input: SynthInput, router: Router, common: Common): Roles {
  const copies = new ServiceCopies(chart, 'Services', {
    target: input.target as unknown as KubeObject,
    namespace: common.namespace,
    includeLabelPrefixes: common.includeLabelPrefixes,
    ownerReferences: common.ownerReferences,
  });
  const ctx = routeContextOf(input, common, serviceNamesOf(input.resolved), undefined);
  return { configs: [], primaryDeployment: copies.primary, services: { canary: copies.canary }, routes: routesOf(chart, router, ctx) };
}

function routeContextOf(input: SynthInput, common: Common, names: ServiceNames, selector: SelectorLabel | undefined): RouteContext {
  return {
    canary: input.canary,
    resolved: input.resolved,
    names,
    namespace: common.namespace,
    weights: common.weights,
    ...(selector ? { selector } : {}),
    ownerReferences: common.ownerReferences,
    referenced: input.referenced ?? {},
    ingressAnnotationsPrefix: input.ingressAnnotationsPrefix,
    ingressClass: input.ingressClass,
  };
}

function routesOf(chart: Construct, router: Router, ctx: RouteContext): ApiObject[] {
  return router.routes(new Construct(new Construct(chart, 'Routes'), router.provider), ctx);
}

/** The revision being promoted is the one the status records: its id rolls the primary's pods. */
function podAnnotationsOf(canary: Canary, given: Record<string, string> | undefined): Record<string, string> | undefined {
  const id = promotionIdOf(canary.status);
  if (!id) return given;
  return { [PROMOTION_ID_ANNOTATION]: id, ...given };
}

function checkedWeights(scope: Construct, input: SynthInput): RouteWeights {
  const { primary, canary, mirror } = input.weights;
  const isPercent = (n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 100;
  if (!isPercent(primary)) fail(scope, 'weights.primary', `must be an integer from 0 to 100, got ${primary}`);
  if (!isPercent(canary)) fail(scope, 'weights.canary', `must be an integer from 0 to 100, got ${canary}`);
  if (primary + canary !== 100) fail(scope, 'weights', `primary and canary must add up to 100, got ${primary} + ${canary}`);
  if (input.phase !== undefined && !(CANARY_PHASES as readonly string[]).includes(input.phase)) {
    fail(scope, 'phase', `unknown phase ${JSON.stringify(input.phase)}; expected one of ${CANARY_PHASES.filter(Boolean).join(', ')}`);
  }
  return { primary, canary, mirror: mirror === true };
}

function checkCapabilities(scope: Construct, resolved: ResolvedCanary, weights: RouteWeights): void {
  if (!isSupportedProvider(resolved.provider)) return;
  const caps = capabilitiesOf(resolved.provider);
  if (resolved.strategy.kind === 'ab-testing' && !caps.abTesting) {
    fail(scope, 'spec.analysis.match', `provider ${resolved.provider} cannot route by header or cookie (A/B testing)`);
  }
  if (weights.mirror && !caps.mirroring) {
    fail(scope, 'spec.analysis.mirror', `provider ${resolved.provider} cannot mirror traffic`);
  }
}

/** A knative Canary: its target Service's traffic and primary revision, nothing else (no primary, no Services). */
function knativeRolesOf(scope: Construct, input: SynthInput, weights: RouteWeights): ApiObject[] {
  const { canary, resolved } = input;
  const ref = canary.spec.targetRef;
  if (resolved.provider !== 'knative') {
    fail(scope, 'spec.provider', `a Knative Service target is routed by provider knative, not ${resolved.provider}`);
  }
  if (!isKnativeTarget(ref)) {
    fail(
      scope,
      'spec.targetRef',
      `provider knative routes between the revisions of a Knative Service (${KNATIVE_SERVICE.apiVersion} Service); got a ${targetKindOf(ref)}`,
    );
  }
  const service = input.target as unknown as KnativeServiceLike;
  if (service.kind !== undefined && (service.kind !== KNATIVE_SERVICE.kind || !isKnativeTarget(service))) {
    fail(scope, 'spec.targetRef', `names a Knative Service but a ${service.apiVersion ?? ''} ${service.kind} was given`);
  }
  if (service.metadata?.name !== ref.name) fail(scope, 'spec.targetRef.name', `names Service ${ref.name} but ${service.metadata?.name} was given`);
  if (!service.spec?.template) fail(scope, 'spec.template', `Knative Service ${ref.name} has no revision template`);
  const routes = new Construct(new Construct(scope, 'Routes'), 'knative');
  return knativeRoutes(routes, { service, namespace: resolved.namespace, weights, promote: input.promote === true });
}

function checkTarget(scope: Construct, canary: Canary, target: DeploymentJson): void {
  const ref = canary.spec.targetRef;
  const kind = targetKindOf(ref);
  if (!(SUPPORTED_TARGET_KINDS as readonly string[]).includes(kind)) {
    fail(scope, 'spec.targetRef.kind', `Sluice synthesizes ${SUPPORTED_TARGET_KINDS.join(', ')} targets; got a ${kind}`);
  }
  if (target.kind !== undefined && target.kind !== kind) {
    fail(scope, 'spec.targetRef.kind', `names a ${kind} but a ${target.kind} was given`);
  }
  if (target.metadata?.name !== ref.name) {
    fail(scope, 'spec.targetRef.name', `names ${kind} ${ref.name} but ${target.metadata?.name} was given`);
  }
  if (!targetIsService(ref) && !target.spec?.template) fail(scope, 'spec.template', `${kind} ${ref.name} has no pod template`);
}

type Scaler = { kind: 'HorizontalPodAutoscaler'; hpa: HorizontalPodAutoscalerJson } | { kind: 'ScaledObject'; scaledObject: KubeObject };

function autoscalerOf(scope: Construct, canary: Canary, input: SynthInput, namespace: string): Scaler | undefined {
  const ref = canary.spec.autoscalerRef;
  if (!ref) return undefined;
  const given = ref.kind === 'HorizontalPodAutoscaler' ? input.hpa : ref.kind === 'ScaledObject' ? input.scaledObject : undefined;
  if (ref.kind !== 'HorizontalPodAutoscaler' && ref.kind !== 'ScaledObject') {
    fail(scope, 'spec.autoscalerRef.kind', `Sluice synthesizes HorizontalPodAutoscaler and ScaledObject copies; ${ref.kind} is not supported`);
  }
  if (!given) fail(scope, 'spec.autoscalerRef', `${ref.kind} ${namespace}/${ref.name} was not given`);
  if (given.metadata?.name !== ref.name) {
    fail(scope, 'spec.autoscalerRef.name', `names ${ref.kind} ${ref.name} but ${given.metadata?.name} was given`);
  }
  return ref.kind === 'HorizontalPodAutoscaler'
    ? { kind: ref.kind, hpa: given as HorizontalPodAutoscalerJson }
    : { kind: ref.kind, scaledObject: given as KubeObject };
}

function primaryScalerOf(
  scope: Construct,
  canary: Canary,
  scaler: Scaler | undefined,
  common: { namespace: string; includeLabelPrefixes: readonly string[] | undefined; ownerReferences: ReturnType<typeof canaryOwnerReferences> },
) {
  if (!scaler) return undefined;
  const targetName = canary.spec.targetRef.name;
  const autoscalerRef = canary.spec.autoscalerRef!;
  if (scaler.kind === 'ScaledObject') {
    return new PrimaryScaledObject(scope, 'Autoscaler', {
      scaledObject: scaler.scaledObject,
      autoscalerRef,
      primaryWorkloadName: primaryName(targetName),
      targetName,
      ...common,
    });
  }
  return new PrimaryAutoscaler(scope, 'Autoscaler', { hpa: scaler.hpa, autoscalerRef, primaryDeploymentName: primaryName(targetName), ...common });
}
