// A Service target (Flagger's ServiceController): no workload, no apex Service and nothing scaled.
// `<service>-canary` is the target Service copied afresh at every step, `<service>-primary` the
// copy made when the Canary initializes and again when a revision is promoted. Routers split
// traffic between the two (Gateway API) or leave it to whoever calls them (kubernetes).
import { ApiObject, type OwnerReference } from 'cdk8s';
import { Construct } from 'constructs';
import type { JsonObject, KubeObject } from './kube-json.js';
import { CANARY_SUFFIX, primaryName } from './names.js';
import { includedOrNone, withoutForeignKeys } from './ownership.js';

/** A Service as read, whatever else it carries. */
type ServiceLike = { spec?: unknown; [field: string]: unknown };

/** What the apiserver fills in for a Service when a manifest leaves it out. */
const SERVICE_SPEC_DEFAULTS: Readonly<Record<string, unknown>> = {
  type: 'ClusterIP',
  sessionAffinity: 'None',
  ipFamilyPolicy: 'SingleStack',
  internalTrafficPolicy: 'Cluster',
};

/**
 * The target Service's spec as a copy gets it: without what the apiserver allocated to the target
 * (its cluster IPs, node ports), which a copy cannot share. Flagger resets the cluster IP too; a
 * headless target (`clusterIP: None`) stays headless here, where Flagger's copy would get an IP.
 */
export function copiedServiceSpec(target: ServiceLike): JsonObject {
  const { clusterIP, clusterIPs: _ips, healthCheckNodePort: _hc, ...rest } = structuredClone((target.spec ?? {}) as JsonObject);
  const ports = Array.isArray(rest.ports) ? rest.ports.map(({ nodePort: _np, ...port }: JsonObject) => port) : undefined;
  return { ...rest, ...(ports ? { ports } : {}), ...(clusterIP === 'None' ? { clusterIP } : {}) };
}

/**
 * What a Service target's revision is computed from: the copied spec without the values the
 * apiserver defaults, so a cluster upgrade that adds a default does not start a rollout (the
 * pod templates' revisions hold to the same rule, src/rollout/revision.ts).
 */
export function serviceRevisionSource(target: ServiceLike): JsonObject {
  const spec = copiedServiceSpec(target);
  for (const [key, value] of Object.entries(SERVICE_SPEC_DEFAULTS)) if (spec[key] === value) delete spec[key];
  if (Array.isArray(spec.ipFamilies) && spec.ipFamilies.length === 1) delete spec.ipFamilies;
  if (Array.isArray(spec.ports)) {
    spec.ports = spec.ports.map((p: JsonObject) => {
      const { protocol, targetPort, ...rest } = p;
      return { ...rest, ...(protocol !== 'TCP' ? { protocol } : {}), ...(targetPort !== p.port ? { targetPort } : {}) };
    });
  }
  return spec;
}

export interface ServiceCopiesProps {
  /** The target Service, as read. */
  readonly target: KubeObject;
  readonly namespace: string;
  /** Flagger's -include-label-prefix, for the primary's labels and annotations (as Flagger's promotion filters them). */
  readonly includeLabelPrefixes?: readonly string[];
  readonly ownerReferences?: OwnerReference[];
}

export class ServiceCopies extends Construct {
  /** `<service>-primary`: what the primary serves, changed only by initialization and promotion. */
  readonly primary: ApiObject;
  /** `<service>-canary`: the target as it is now. */
  readonly canary: ApiObject;

  constructor(scope: Construct, id: string, props: ServiceCopiesProps) {
    super(scope, id);
    const { target, namespace, ownerReferences } = props;
    const name = target.metadata.name!;
    const spec = copiedServiceSpec(target);
    const copy = (objectId: string, copyName: string, labels: Record<string, string> | undefined, annotations: Record<string, string> | undefined) =>
      new ApiObject(this, objectId, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: copyName, namespace, labels, annotations, ownerReferences },
        spec: structuredClone(spec),
      });
    // Flagger's promotion gives the primary the labels and annotations of -include-label-prefix only ...
    this.primary = copy(
      'Primary',
      primaryName(name),
      includedOrNone(target.metadata.labels, props.includeLabelPrefixes),
      includedOrNone(target.metadata.annotations, props.includeLabelPrefixes),
    );
    // ... and the canary's copy keeps all of the target's (kubectl's last-applied aside).
    this.canary = copy('Canary', `${name}${CANARY_SUFFIX}`, withoutForeignKeys(target.metadata.labels), withoutForeignKeys(target.metadata.annotations));
  }
}
