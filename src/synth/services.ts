// The three ClusterIP Services of a Canary: `<apex>` (what clients call), `<apex>-primary` and
// `<apex>-canary` (what routers split traffic between). Typed with cdk8s-plus-27's k8s classes.
import type { OwnerReference } from 'cdk8s';
import { Construct } from 'constructs';
import { IntOrString, KubeService, type KubeServiceProps, type ServicePort } from 'cdk8s-plus-27/lib/imports/k8s.js';
import type { ResolvedService } from '../api/defaults.js';
import type { CustomMetadata } from '../api/types.js';
import { isJsonObject, type JsonObject } from './kube-json.js';
import type { ServiceNames } from './names.js';
import { FLUX_OPT_OUT_ANNOTATIONS, withoutForeignKeys } from './ownership.js';
import type { SelectorLabel } from './selector-label.js';

/** Flux leaves the selector Sluice switches alone (see FLUX_OPT_OUT_ANNOTATIONS). */
export const FLUX_SERVICE_ANNOTATIONS = FLUX_OPT_OUT_ANNOTATIONS;

/** Containers injected by meshes: their ports are the proxy's, not the application's. */
const PROXY_CONTAINERS = new Set(['istio-proxy', 'envoy', 'linkerd-proxy']);

export type PodSet = 'primary' | 'canary';

export interface CanaryServicesProps {
  readonly service: ResolvedService;
  readonly names: ServiceNames;
  readonly namespace: string;
  readonly selector: SelectorLabel;
  /** The target's pod spec, read for `portDiscovery`. */
  readonly podSpec?: JsonObject;
  /**
   * The pods the apex Service selects. Mesh routers split traffic behind an apex that selects the
   * primary; the kubernetes provider switches this selector instead (Blue/Green).
   * @default 'primary'
   */
  readonly apexSelects?: PodSet;
  readonly ownerReferences?: OwnerReference[];
}

export class CanaryServices extends Construct {
  readonly apex: KubeService;
  readonly primary: KubeService;
  readonly canary: KubeService;

  constructor(scope: Construct, id: string, props: CanaryServicesProps) {
    super(scope, id);
    const { service, names } = props;
    const ports = [mainPortOf(service), ...discoveredPortsOf(props.podSpec, service)];
    const make = (name: string, pods: PodSet, custom: CustomMetadata | undefined) =>
      new GeneratedService(this, name, serviceProps(props, name, pods, custom, ports), service.trafficDistribution);
    // Created (and applied) canary first: the apex switches last, once its backends exist.
    this.canary = make(names.canary, 'canary', service.canary);
    this.primary = make(names.primary, 'primary', service.primary);
    this.apex = make(names.apex, props.apexSelects ?? 'primary', service.apex);
  }
}

function serviceProps(props: CanaryServicesProps, name: string, pods: PodSet, custom: CustomMetadata | undefined, ports: ServicePort[]): KubeServiceProps {
  const { selector, service } = props;
  const unmanaged = service.unmanagedMetadata ?? {};
  const labels = omitKeys({ ...withoutForeignKeys(custom?.labels), [selector.key]: name }, unmanaged.labels);
  const annotations = omitKeys({ ...withoutForeignKeys(custom?.annotations), ...FLUX_SERVICE_ANNOTATIONS }, unmanaged.annotations);
  return {
    metadata: { name, namespace: props.namespace, labels, annotations, ownerReferences: props.ownerReferences },
    spec: {
      type: 'ClusterIP',
      ...(service.headless ? { clusterIp: 'None' } : {}),
      selector: { [selector.key]: pods === 'primary' ? selector.primaryValue : selector.value },
      ports,
    },
  };
}

function mainPortOf(service: ResolvedService): ServicePort {
  const { targetPort } = service;
  return {
    name: service.portName,
    protocol: 'TCP',
    port: service.port,
    targetPort: typeof targetPort === 'number' ? IntOrString.fromNumber(targetPort) : IntOrString.fromString(targetPort),
    ...(service.appProtocol ? { appProtocol: service.appProtocol } : {}),
  };
}

/**
 * `portDiscovery`: every other port the application's containers declare, named by its name or
 * `tcp-<container>-<index>` as Flagger names them, in the order the pod template declares them:
 * stable (Flagger's own order is a map's, so random), and the order the user wrote and reads.
 */
export function discoveredPortsOf(podSpec: JsonObject | undefined, service: ResolvedService): ServicePort[] {
  if (!service.portDiscovery) return [];
  const isMainPort = (p: JsonObject) => (typeof service.targetPort === 'number' ? p.containerPort === service.targetPort : p.name === service.targetPort);
  const byName = new Map<string, ServicePort>();
  const usedNumbers = new Set([service.port]);
  for (const container of asObjects(podSpec?.containers)) {
    if (PROXY_CONTAINERS.has(container.name)) continue;
    asObjects(container.ports).forEach((p, i) => {
      const name: string = p.name || `tcp-${container.name}-${i}`;
      // The apiserver rejects two ports with one name or one number; the first declaration wins.
      if (isMainPort(p) || name === service.portName || byName.has(name) || usedNumbers.has(p.containerPort)) return;
      usedNumbers.add(p.containerPort);
      byName.set(name, { name, protocol: 'TCP', port: p.containerPort, targetPort: IntOrString.fromNumber(p.containerPort) });
    });
  }
  return [...byName.values()];
}

/**
 * A KubeService that also writes `spec.trafficDistribution`, which the k8s 1.27 classes predate
 * (their toJson would drop it).
 */
class GeneratedService extends KubeService {
  constructor(
    scope: Construct,
    id: string,
    props: KubeServiceProps,
    private readonly trafficDistribution?: string,
  ) {
    super(scope, id, props);
  }

  override toJson(): any {
    const json = super.toJson();
    if (!this.trafficDistribution) return json;
    return { ...json, spec: { ...json.spec, trafficDistribution: this.trafficDistribution } };
  }
}

function omitKeys(map: Record<string, string>, keys: readonly string[] | undefined): Record<string, string> {
  if (!keys?.length) return map;
  return Object.fromEntries(Object.entries(map).filter(([k]) => !keys.includes(k)));
}

function asObjects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}
