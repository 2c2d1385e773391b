// Every traffic provider Sluice serves, one entry each: what it writes, what it reads, what it can
// do and which builtin queries it gets. The rest is derived from this table: the CRD's provider
// enum, the validation rules, the operator's RBAC (src/install/permissions.ts), the owned-object
// guard's webhook rules (src/admission/registration.ts). The routers are a Record<Provider, Router>
// (src/synth/routers/registry.ts), so a provider without one does not compile.
// App Mesh is refused for good (retiredProviderReason says why).
import * as envoy from '../analysis/builtins/envoy.js';
import type { BuiltinFamily } from '../analysis/builtins/family.js';
import { http } from '../analysis/builtins/http.js';
import { istio } from '../analysis/builtins/istio.js';
import { linkerd } from '../analysis/builtins/linkerd.js';
import { nginx } from '../analysis/builtins/nginx.js';
import { osm } from '../analysis/builtins/osm.js';
import { traefik } from '../analysis/builtins/traefik.js';
import { apisix } from '../analysis/builtins/apisix.js';
import { skipper } from '../analysis/builtins/skipper.js';
import { KNATIVE_SERVICE } from './knative.js';

export interface ProviderCapabilities {
  /** Header/cookie match routing (A/B testing). */
  readonly abTesting: boolean;
  /** Shadowing a copy of live traffic to the canary. */
  readonly mirroring: boolean;
  /** Cookie-based stickiness (`analysis.sessionAffinity`), as Flagger has it for Istio and Gateway API. */
  readonly sessionAffinity: boolean;
  /**
   * Splitting traffic by weight. Without it a provider can only switch the apex Service's selector,
   * so every rollout is Blue/Green and there is no "all traffic to the canary" step.
   */
  readonly weightedRouting: boolean;
}

/** A kind of object a router writes (or the guard protects), as RBAC and webhook rules name it. */
export interface RoutingKind {
  readonly group: string;
  readonly plural: string;
}

/** The `spec` fields that name an object synthesis copies from, and what they name. */
export const REFERENCE_FIELDS = {
  /** Flagger reads the Ingress as networking.k8s.io/v1 whatever `ingressRef.apiVersion` says. */
  ingressRef: { role: 'ingress', apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', plural: 'ingresses', crossNamespace: false },
  upstreamRef: { role: 'upstream', apiVersion: 'gloo.solo.io/v1', kind: 'Upstream', plural: 'upstreams', crossNamespace: true },
  routeRef: { role: 'route', apiVersion: 'apisix.apache.org/v2', kind: 'ApisixRoute', plural: 'apisixroutes', crossNamespace: false },
  /**
   * Gloo Mesh's delegating RouteTable. Flagger writes the delegate in the Canary's namespace and
   * reads it from the delegator's, so the two must be one: validation refuses another namespace.
   */
  routeTableRef: { role: 'routeTable', apiVersion: 'networking.gloo.solo.io/v2', kind: 'RouteTable', plural: 'routetables', crossNamespace: false },
} as const;

export type ReferenceField = keyof typeof REFERENCE_FIELDS;
export type ReferenceRole = (typeof REFERENCE_FIELDS)[ReferenceField]['role'];

/**
 * The objects the reference fields name, by role, from the Canary's manifests or the cluster to the
 * routers: a new reference field is a new REFERENCE_FIELDS entry, and every step of the way has it.
 */
export type Referenced<T> = { readonly [Role in ReferenceRole]?: T };

/** A field the Canary must set for this provider, and why (said in the validation message). */
export interface RequiredField {
  /** A path under the Canary, e.g. `spec.ingressRef`; an empty list counts as missing. */
  readonly path: string;
  readonly why: string;
}

export interface ProviderEntry {
  readonly capabilities: ProviderCapabilities;
  /** The kinds its router writes: applied, watched once used, guarded against edits. */
  readonly routing: readonly RoutingKind[];
  /** Kinds of its API that Sluice never writes but guards when a Canary owns one. */
  readonly guardedOnly?: readonly RoutingKind[];
  /** The reference fields its router reads (watched, so an edit reaches the generated objects). */
  readonly references?: readonly ReferenceField[];
  readonly requires?: readonly RequiredField[];
  /** Flagger's builtin `request-success-rate` and `request-duration` for it (and Sluice's request count). */
  readonly builtins: BuiltinFamily;
}

const WEIGHTED = { abTesting: false, mirroring: false, sessionAffinity: false, weightedRouting: true } as const;

const istioKinds = [
  { group: 'networking.istio.io', plural: 'virtualservices' },
  { group: 'networking.istio.io', plural: 'destinationrules' },
];
const trafficSplit = [{ group: 'split.smi-spec.io', plural: 'trafficsplits' }];
const httpRoute = [{ group: 'gateway.networking.k8s.io', plural: 'httproutes' }];
const gatewayRefs: RequiredField = { path: 'spec.service.gatewayRefs', why: 'the Gateways the HTTPRoute attaches to' };
/** Like Flagger, a provider without its own metrics (smi:*) gets Istio's: its canary finds no values and halts. */
const smi = (): ProviderEntry => ({ capabilities: WEIGHTED, routing: trafficSplit, builtins: istio });

const TABLE = {
  istio: {
    capabilities: { ...WEIGHTED, abTesting: true, mirroring: true, sessionAffinity: true },
    routing: istioKinds,
    builtins: istio,
  },
  linkerd: { capabilities: WEIGHTED, routing: trafficSplit, builtins: linkerd },
  'smi:v1alpha1': smi(),
  'smi:v1alpha2': smi(),
  'smi:v1alpha3': smi(),
  osm: { capabilities: WEIGHTED, routing: trafficSplit, builtins: osm },
  kuma: {
    capabilities: WEIGHTED,
    routing: [{ group: 'kuma.io', plural: 'trafficroutes' }],
    // Kuma's newer route kind: a user may move a generated route to it.
    guardedOnly: [{ group: 'kuma.io', plural: 'meshhttproutes' }],
    builtins: envoy.kuma,
  },
  gloo: {
    capabilities: { ...WEIGHTED, abTesting: true },
    routing: [
      { group: 'gateway.solo.io', plural: 'routetables' },
      { group: 'gloo.solo.io', plural: 'upstreams' },
    ],
    references: ['upstreamRef'],
    builtins: envoy.gloo,
  },
  // Flagger's metrics observer picks Gloo Edge's queries for every provider starting with "gloo".
  'gloo-mesh': {
    capabilities: WEIGHTED,
    routing: [{ group: 'networking.gloo.solo.io', plural: 'routetables' }],
    references: ['routeTableRef'],
    requires: [{ path: 'spec.routeTableRef', why: 'the delegating RouteTable whose delegate Sluice writes' }],
    builtins: envoy.gloo,
  },
  'gatewayapi:v1': {
    capabilities: { ...WEIGHTED, abTesting: true, mirroring: true, sessionAffinity: true },
    routing: httpRoute,
    requires: [gatewayRefs],
    builtins: http,
  },
  'gatewayapi:v1beta1': {
    capabilities: { ...WEIGHTED, abTesting: true, mirroring: true, sessionAffinity: true },
    routing: httpRoute,
    requires: [gatewayRefs],
    builtins: http,
  },
  nginx: {
    capabilities: { ...WEIGHTED, abTesting: true },
    routing: [{ group: 'networking.k8s.io', plural: 'ingresses' }],
    references: ['ingressRef'],
    requires: [{ path: 'spec.ingressRef', why: 'the Ingress to clone for the canary' }],
    builtins: nginx,
  },
  contour: {
    capabilities: { ...WEIGHTED, abTesting: true },
    routing: [{ group: 'projectcontour.io', plural: 'httpproxies' }],
    builtins: envoy.contour,
  },
  kubernetes: {
    capabilities: { ...WEIGHTED, weightedRouting: false },
    routing: [],
    builtins: http,
  },
  traefik: {
    capabilities: WEIGHTED,
    routing: [{ group: 'traefik.io', plural: 'traefikservices' }],
    builtins: traefik,
  },
  apisix: {
    capabilities: WEIGHTED,
    routing: [{ group: 'apisix.apache.org', plural: 'apisixroutes' }],
    references: ['routeRef'],
    requires: [{ path: 'spec.routeRef', why: 'the ApisixRoute to copy for the canary' }],
    builtins: apisix,
  },
  skipper: {
    capabilities: WEIGHTED,
    routing: [{ group: 'networking.k8s.io', plural: 'ingresses' }],
    references: ['ingressRef'],
    requires: [{ path: 'spec.ingressRef', why: 'the Ingress to copy for the canary' }],
    builtins: skipper,
  },
  // The target itself is routed (its spec.traffic and primary-revision annotation): src/api/knative.ts.
  knative: {
    capabilities: WEIGHTED,
    routing: [{ group: KNATIVE_SERVICE.group, plural: KNATIVE_SERVICE.plural }],
    builtins: envoy.knative,
  },
} as const satisfies Record<string, ProviderEntry>;

/** A provider Sluice serves (a `spec.provider` value the CRD accepts). */
export type Provider = keyof typeof TABLE;

export const PROVIDERS: Readonly<Record<Provider, ProviderEntry>> = TABLE;

export const SUPPORTED_PROVIDERS: readonly Provider[] = Object.keys(TABLE) as Provider[];

/** Flagger's global default (`-mesh-provider`); Sluice's operator flag can change it. */
export const DEFAULT_PROVIDER: Provider = 'istio';

const APP_MESH_ENDED =
  'AWS ended App Mesh in September 2026, so Sluice does not serve it: move the Canary to another provider (gatewayapi:v1 or istio, for example)';

/**
 * Why Sluice refuses a Flagger provider for good (appmesh and Flagger's appmesh:<version>), or
 * undefined. The CRD's enum leaves these out; validation and the operator's -mesh-provider say this.
 */
export function retiredProviderReason(name: string): string | undefined {
  return name === 'appmesh' || name.startsWith('appmesh:') ? APP_MESH_ENDED : undefined;
}

export function isSupportedProvider(name: string): name is Provider {
  return Object.hasOwn(TABLE, name);
}

/** The entry of a provider Sluice serves, or undefined. */
export function providerEntry(name: string): ProviderEntry | undefined {
  return isSupportedProvider(name) ? PROVIDERS[name] : undefined;
}

export function capabilitiesOf(provider: string): ProviderCapabilities {
  const entry = providerEntry(provider);
  if (!entry) throw new Error(`unknown provider "${provider}"`);
  return entry.capabilities;
}

/** False for a provider that can only switch Services (kubernetes); true for every other, unknown ones too. */
export function routesByWeight(provider: string): boolean {
  return providerEntry(provider)?.capabilities.weightedRouting ?? true;
}

/**
 * The routing kinds of every provider, one entry per API group in table order (resources in
 * first-seen order, each once), plus the guarded-only ones when `guarded` is set.
 */
export function routingKindsByGroup(guarded = false): { group: string; resources: string[] }[] {
  const byGroup = new Map<string, string[]>();
  for (const entry of Object.values(PROVIDERS)) {
    for (const { group, plural } of [...entry.routing, ...(guarded ? (entry.guardedOnly ?? []) : [])]) {
      const resources = byGroup.get(group) ?? [];
      if (!resources.includes(plural)) resources.push(plural);
      byGroup.set(group, resources);
    }
  }
  return [...byGroup].map(([group, resources]) => ({ group, resources }));
}

/** Referenced kinds that no router writes (so no routing rule covers them): read-only for the operator. */
export function referencedOnlyKinds(): RoutingKind[] {
  const written = new Set(Object.values(PROVIDERS).flatMap((e) => e.routing.map((k) => `${k.plural}.${k.group}`)));
  return Object.values(REFERENCE_FIELDS)
    .map((r) => ({ group: r.apiVersion.split('/')[0], plural: r.plural }))
    .filter((k) => !written.has(`${k.plural}.${k.group}`));
}
