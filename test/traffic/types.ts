// The traffic generator's model: routing objects become SimRoutes; a SimRoute has ordered rules, each
// with request matches and weighted backends (Kubernetes Services). See README.md in this folder.

/** Metric families a request can be recorded under (see metrics.ts and README.md). */
export type Family =
  | 'istio' // istio_requests_total, istio_request_duration_milliseconds (reporter="destination")
  | 'linkerd' // response_total, response_latency_ms (direction="inbound")
  | 'osm' // osm_request_total, osm_request_duration_ms
  | 'kuma' // envoy_cluster_upstream_rq{service=<kuma.io/service tag>} at the destination data plane
  | 'gloo' // envoy_cluster_upstream_rq{envoy_cluster_name=<upstream>_<ns>} at the gateway proxy
  | 'contour' // envoy_cluster_upstream_rq{envoy_cluster_name=<ns>_<svc>_<port>} at the Contour Envoy
  | 'nginx' // nginx_ingress_controller_requests and *_duration_seconds at the ingress controller
  | 'apisix' // apisix_http_status and apisix_http_latency{route=<ns>_<ApisixRoute>_<rule>}
  | 'skipper' // skipper_response_duration_seconds and skipper_serve_route_duration_seconds{route=kube_<ns>__<ingress>__<host>__<path>__<svc>}
  | 'traefik' // traefik_service_requests_total and traefik_service_request_duration_seconds{service=<ns>-<svc>-<port>@kubernetescrd}
  | 'knative' // envoy_cluster_upstream_rq{envoy_cluster_name=<ns>/<revision>} at Kourier's Envoy
  | 'podinfo'; // the app's own http_request_duration_seconds / http_requests_total (always, per pod)

/** One condition a request must satisfy. Header names are lower-case. Cookies are read from the
 *  `cookie` header, as proxies see them. */
export interface Cond {
  field: 'header' | 'path' | 'method' | 'query' | 'cookie' | 'host';
  name?: string;
  op: 'exact' | 'prefix' | 'regex' | 'present' | 'absent' | 'contains' | 'not-exact' | 'not-contains' | 'not-regex' | 'not-prefix';
  value?: string;
  ignoreCase?: boolean;
}

/** All conditions must hold (AND). An empty list matches everything. */
export interface Match {
  conds: Cond[];
}

export interface Backend {
  /** Kubernetes Service name and namespace the backend resolves to. */
  service: string;
  namespace: string;
  port?: number;
  weight: number;
  /** Provider-specific labels: kuma service tag, gloo upstream name/namespace, nginx upstream name, traefik service name, apisix and skipper route. */
  labels?: Record<string, string>;
}

export interface Mirror {
  backend: Backend;
  /** Percentage 0..100 of requests that are mirrored. */
  percent: number;
}

export interface Rule {
  /** OR of matches; empty = matches every request. */
  matches: Match[];
  backends: Backend[];
  mirror?: Mirror;
}

export interface SimRoute {
  /** Unique and stable: "<kind>/<namespace>/<name>". */
  key: string;
  kind: string;
  namespace: string;
  name: string;
  /** Metric families the route's requests are recorded under (plus 'podinfo' at the pod). */
  families: Family[];
  /** How a route picks among rules whose matches accept a request. 'first': first rule in order
   *  (Istio, Gloo, NGINX, Kuma); 'specific': most specific match wins (Gateway API, Contour). */
  selection: 'first' | 'specific';
  rules: Rule[];
  /** Requests per second sent through this route. */
  rps: number;
  /** Host the requests are addressed to (informational). */
  host?: string;
  /** NGINX: the main Ingress name, recorded as the `ingress` label. */
  ingress?: string;
}

export interface SimRequest {
  method: string;
  path: string;
  host: string;
  headers: Record<string, string>;
  query: Record<string, string>;
}

/** An API resource an observer watches. */
export interface Resource {
  group: string; // '' for core
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

/** A Kubernetes object as plain JSON. */
export type KObj = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid?: string; controller?: boolean }[];
    managedFields?: { apiVersion?: string; time?: string | Date; operation?: string; manager?: string }[];
    deletionTimestamp?: string | Date;
    [k: string]: unknown;
  };
  spec?: any;
  status?: any;
  [k: string]: any;
};

/** What an observer gets to look at: the current objects of every resource it declared,
 *  keyed by "<group>/<plural>", plus the Canaries (to learn the provider of an owning Canary). */
export interface ObserverInput {
  objects: Map<string, KObj[]>;
  canaries: KObj[];
  rps: number;
}

/** One file per provider implements this. `routes` must be pure (no I/O). */
export interface RouteObserver {
  name: string;
  resources: Resource[];
  routes(input: ObserverInput): SimRoute[];
}

export const resourceKey = (r: Pick<Resource, 'group' | 'plural'>): string => `${r.group}/${r.plural}`;
