// The three ClusterIP Services of a Canary: `<apex>` (what clients call), `<apex>-primary` and
// `<apex>-canary` (what routers split traffic between). Plain ApiObjects: cdk8s-plus-27's k8s
// classes would load its whole generated Kubernetes API (about 18 MB of the operator's RSS) for
// one kind; the JSON keeps the key order their toJson wrote.
import { ApiObject, type OwnerReference } from 'cdk8s';
import { Construct } from 'constructs';
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

/** A Service port as the API writes it (targetPort a number or a port name). */
export interface ServicePort {
  readonly appProtocol?: string;
  readonly name: string;
  readonly port: number;
  readonly protocol: 'TCP';
  readonly targetPort: number | string;
}

interface ServiceProps {
  readonly metadata: {
    readonly annotations: Record<string, string>;
    readonly labels: Record<string, string>;
    readonly name: string;
    readonly namespace: string;
    readonly ownerReferences?: OwnerReference[];
  };
  readonly spec: { readonly clusterIP?: 'None'; readonly ports: ServicePort[]; readonly selector: Record<string, string>; readonly type: 'ClusterIP' };
}

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
  readonly apex: ApiObject;
  readonly primary: ApiObject;
  readonly canary: ApiObject;

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

function serviceProps(props: CanaryServicesProps, name: string, pods: PodSet, custom: CustomMetadata | undefined, ports: ServicePort[]): ServiceProps {
  const { selector, service } = props;
  const unmanaged = service.unmanagedMetadata ?? {};
  const labels = omitKeys({ ...withoutForeignKeys(custom?.labels), [selector.key]: name }, unmanaged.labels);
  const annotations = omitKeys({ ...withoutForeignKeys(custom?.annotations), ...FLUX_SERVICE_ANNOTATIONS }, unmanaged.annotations);
  return {
    metadata: { name, namespace: props.namespace, labels, annotations, ownerReferences: props.ownerReferences },
    spec: {
      ...(service.headless ? { clusterIP: 'None' as const } : {}),
      ports,
      selector: { [selector.key]: pods === 'primary' ? selector.primaryValue : selector.value },
      type: 'ClusterIP',
    },
  };
}

function mainPortOf(service: ResolvedService): ServicePort {
  const { targetPort } = service;
  return {
    ...(service.appProtocol ? { appProtocol: service.appProtocol } : {}),
    name: service.portName,
    port: service.port,
    protocol: 'TCP',
    targetPort,
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
      byName.set(name, { name, port: p.containerPort, protocol: 'TCP', targetPort: p.containerPort });
    });
  }
  return [...byName.values()];
}

/** A v1 Service, with `spec.trafficDistribution` last when the Canary sets it. */
class GeneratedService extends ApiObject {
  constructor(
    scope: Construct,
    id: string,
    props: ServiceProps,
    private readonly trafficDistribution?: string,
  ) {
    super(scope, id, { apiVersion: 'v1', kind: 'Service', ...props });
  }

  override toJson(): any {
    const json = super.toJson();
    // cdk8s writes metadata in its own order; the API's (and the k8s classes') is alphabetical.
    const { annotations, labels, name, namespace, ownerReferences } = json.metadata;
    const metadata = definedOnly({ annotations, labels, name, namespace, ownerReferences: ownerReferences?.map(ownerReferenceJson) });
    const spec = this.trafficDistribution ? { ...json.spec, trafficDistribution: this.trafficDistribution } : json.spec;
    return { apiVersion: json.apiVersion, kind: json.kind, metadata, spec };
  }
}

function ownerReferenceJson(r: OwnerReference): OwnerReference {
  const { apiVersion, blockOwnerDeletion, controller, kind, name, uid } = r;
  return definedOnly({ apiVersion, blockOwnerDeletion, controller, kind, name, uid }) as OwnerReference;
}

function definedOnly<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function omitKeys(map: Record<string, string>, keys: readonly string[] | undefined): Record<string, string> {
  if (!keys?.length) return map;
  return Object.fromEntries(Object.entries(map).filter(([k]) => !keys.includes(k)));
}

function asObjects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}
