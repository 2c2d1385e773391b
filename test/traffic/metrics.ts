// The metric families each simulated request is recorded under, with the real names and labels of
// each provider, so that Flagger's builtin queries (reference section 3) match them unchanged.
import { Counter, Histogram, Registry } from 'prom-client';
import type { Endpoint } from './endpoints.js';
import type { Backend, Family, SimRequest, SimRoute } from './types.js';

const ISTIO_MS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
const LINKERD_MS = [1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 40000, 50000];
const ENVOY_MS = ISTIO_MS;
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Traefik's default buckets for its request duration histograms. */
const TRAEFIK_SECONDS = [0.1, 0.3, 1.2, 5];
/** APISIX's default buckets for apisix_http_latency, in milliseconds. */
const APISIX_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000];

/** Where each Envoy gateway runs (Gloo's proxy, Contour's Envoy, Kourier's gateway for Knative). */
const GATEWAY_NAMESPACES = { gloo: 'gloo-system', contour: 'projectcontour', knative: 'kourier-system' } as const;

export interface Served {
  route: SimRoute;
  backend: Backend;
  /** undefined: no Ready pod behind the Service (the proxy answered by itself). */
  endpoint?: Endpoint;
  status: number;
  latencyMs: number;
  req: SimRequest;
  port?: number;
}

type Labels = Record<string, string>;

export class Metrics {
  readonly registry = new Registry();
  private touched = new Map<string, { metric: Counter<string> | Histogram<string>; labels: Labels; at: number }>();

  private c(name: string, help: string, labelNames: string[]) {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }
  private h(name: string, help: string, labelNames: string[], buckets: number[]) {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  private readonly istioLabels = [
    'reporter',
    'source_workload',
    'source_workload_namespace',
    'source_app',
    'destination_workload',
    'destination_workload_namespace',
    'destination_app',
    'destination_version',
    'destination_service',
    'destination_service_name',
    'destination_service_namespace',
    'destination_canonical_service',
    'request_protocol',
    'response_code',
    'response_flags',
    'connection_security_policy',
  ];
  istioRequests = this.c('istio_requests_total', 'Simulated Istio requests (destination reporter).', this.istioLabels);
  istioDuration = this.h('istio_request_duration_milliseconds', 'Simulated Istio request duration.', this.istioLabels, ISTIO_MS);

  private readonly l5dLabels = ['direction', 'namespace', 'deployment', 'pod', 'authority', 'tls', 'status_code', 'classification', 'target_addr'];
  linkerdResponses = this.c('response_total', 'Simulated Linkerd proxy responses (inbound).', this.l5dLabels);
  linkerdLatency = this.h(
    'response_latency_ms',
    'Simulated Linkerd proxy response latency (inbound).',
    this.l5dLabels.filter((l) => l !== 'classification'),
    LINKERD_MS,
  );

  private readonly osmLabels = [
    'source_namespace',
    'source_kind',
    'source_name',
    'source_pod',
    'destination_namespace',
    'destination_kind',
    'destination_name',
    'destination_pod',
    'response_code',
  ];
  osmRequests = this.c('osm_request_total', 'Simulated OSM requests.', this.osmLabels);
  osmDuration = this.h(
    'osm_request_duration_ms',
    'Simulated OSM request duration.',
    this.osmLabels.filter((l) => l !== 'response_code'),
    ENVOY_MS,
  );

  private readonly envoyLabels = ['envoy_cluster_name', 'envoy_response_code', 'service', 'mesh', 'kubernetes_namespace'];
  envoyRq = this.c('envoy_cluster_upstream_rq', 'Simulated Envoy upstream requests (Kuma data plane, Gloo gateway, Contour Envoy, Kourier).', this.envoyLabels);
  envoyRqTime = this.h(
    'envoy_cluster_upstream_rq_time',
    'Simulated Envoy upstream request time.',
    this.envoyLabels.filter((l) => l !== 'envoy_response_code'),
    ENVOY_MS,
  );

  private readonly nginxLabels = [
    'controller_class',
    'controller_namespace',
    'controller_pod',
    'host',
    'ingress',
    'method',
    'namespace',
    'path',
    'service',
    'status',
    'canary',
  ];
  nginxRequests = this.c('nginx_ingress_controller_requests', 'Simulated ingress-nginx requests.', this.nginxLabels);
  nginxRequestDuration = this.h('nginx_ingress_controller_request_duration_seconds', 'Simulated ingress-nginx request duration.', this.nginxLabels, SECONDS);
  nginxResponseDuration = this.h(
    'nginx_ingress_controller_response_duration_seconds',
    'Simulated ingress-nginx upstream response duration.',
    this.nginxLabels,
    SECONDS,
  );

  private readonly traefikLabels = ['service', 'code', 'method', 'protocol'];
  traefikRequests = this.c('traefik_service_requests_total', 'Simulated Traefik requests per service.', this.traefikLabels);
  traefikDuration = this.h('traefik_service_request_duration_seconds', 'Simulated Traefik request duration per service.', this.traefikLabels, TRAEFIK_SECONDS);

  apisixStatus = this.c('apisix_http_status', 'Simulated APISIX responses per route.', [
    'code',
    'route',
    'matched_uri',
    'matched_host',
    'service',
    'consumer',
    'node',
  ]);
  apisixLatency = this.h(
    'apisix_http_latency',
    'Simulated APISIX latency per route (request, upstream, apisix).',
    ['type', 'route', 'service', 'consumer', 'node'],
    APISIX_MS,
  );

  /** Skipper's default buckets are Prometheus's defaults (SECONDS); its serve histogram carries only the route by default. */
  skipperResponse = this.h('skipper_response_duration_seconds', 'Simulated Skipper response duration per route.', ['code', 'method', 'route'], SECONDS);
  skipperServeRoute = this.h('skipper_serve_route_duration_seconds', 'Simulated Skipper serve duration per route.', ['route'], SECONDS);

  private readonly podinfoLabels = ['kubernetes_namespace', 'kubernetes_pod_name', 'method', 'path', 'status'];
  podinfoDuration = this.h('http_request_duration_seconds', "Simulated podinfo request duration (the app's own metric).", this.podinfoLabels, SECONDS);
  podinfoRequests = this.c('http_requests_total', "Simulated podinfo requests (the app's own metric).", this.podinfoLabels);

  simRequests = this.c('sluice_sim_requests_total', 'Requests the traffic generator simulated, by route and backend.', [
    'route',
    'kind',
    'backend',
    'namespace',
    'outcome',
  ]);

  private inc(metric: Counter<string>, labels: Labels) {
    metric.inc(labels);
    this.touch(metric, labels);
  }
  private observe(metric: Histogram<string>, labels: Labels, v: number) {
    metric.observe(labels, v);
    this.touch(metric, labels);
  }
  private touch(metric: Counter<string> | Histogram<string>, labels: Labels) {
    const key = `${(metric as any).name}|${JSON.stringify(labels)}`;
    this.touched.set(key, { metric, labels, at: Date.now() });
  }

  /** Removes series not updated for `idleMs` (pods long gone); rate() sees a counter reset if they return. */
  prune(idleMs: number, now = Date.now()) {
    for (const [k, t] of this.touched) {
      if (now - t.at > idleMs) {
        t.metric.remove(t.labels);
        this.touched.delete(k);
      }
    }
  }

  /** The ingress proxies record every request, also one with no endpoint behind it (they answer 503 themselves). */
  private recordAtIngress(f: 'nginx' | 'traefik' | 'apisix' | 'skipper', s: Served, code: string, ms: number) {
    const ep = s.endpoint;
    switch (f) {
      case 'nginx': {
        const l = {
          controller_class: 'k8s.io/ingress-nginx',
          controller_namespace: 'ingress-nginx',
          controller_pod: 'ingress-nginx-controller',
          host: s.route.host ?? '',
          ingress: s.route.ingress ?? s.route.name,
          method: s.req.method,
          namespace: s.route.namespace,
          path: '/',
          service: s.backend.service,
          status: code,
          canary: s.backend.labels?.canary ?? '',
        };
        this.inc(this.nginxRequests, l);
        this.observe(this.nginxRequestDuration, l, ms / 1000);
        if (ep) this.observe(this.nginxResponseDuration, l, ms / 1000);
        break;
      }
      case 'traefik': {
        // Recorded by Traefik, also when the service has no server left (it answers 503 itself).
        const l = {
          service: s.backend.labels?.traefik_service ?? `${s.backend.namespace}-${s.backend.service}-${s.port ?? ''}@kubernetescrd`,
          code,
          method: s.req.method,
          protocol: 'http',
        };
        this.inc(this.traefikRequests, l);
        this.observe(this.traefikDuration, l, ms / 1000);
        break;
      }
      case 'apisix': {
        // Recorded by APISIX, also when the upstream has no node left (it answers 503 itself).
        const route = s.backend.labels?.apisix_route ?? `${s.route.namespace}_${s.route.name}`;
        const common = { route, service: '', consumer: '', node: ep ? ep.pod : '' };
        this.inc(this.apisixStatus, { code, route, matched_uri: s.req.path, matched_host: s.route.host ?? '', service: '', consumer: '', node: common.node });
        this.observe(this.apisixLatency, { ...common, type: 'request' }, ms);
        if (ep) this.observe(this.apisixLatency, { ...common, type: 'upstream' }, ms);
        break;
      }
      case 'skipper': {
        // Recorded by Skipper, also when the backend has no endpoint left (it answers 503 itself).
        const route = s.backend.labels?.skipper_route ?? `kube_${s.route.namespace}__${s.route.name}`;
        this.observe(this.skipperResponse, { code, method: s.req.method, route }, ms / 1000);
        this.observe(this.skipperServeRoute, { route }, ms / 1000);
        break;
      }
    }
  }

  /** Records one request under `families` (the route's) plus the app's own metrics at the pod. */
  record(s: Served, families: Family[]) {
    const code = String(s.status);
    const ep = s.endpoint;
    this.inc(this.simRequests, {
      route: s.route.key,
      kind: s.route.kind,
      backend: `${s.backend.namespace}/${s.backend.service}`,
      namespace: s.backend.namespace,
      outcome: ep ? code : `no-endpoints:${code}`,
    });
    for (const f of families) this.recordFamily(f, s, code);
    if (ep) this.recordAtPod(s, ep, code);
  }

  /** The meshes record at the destination's proxy: a request with no pod behind it is not reported. */
  private recordFamily(f: Family, s: Served, code: string) {
    const ep = s.endpoint;
    switch (f) {
      case 'istio':
        if (ep) this.recordIstio(s, ep, code);
        break;
      case 'linkerd':
        if (ep) this.recordLinkerd(s, ep, code);
        break;
      case 'osm':
        if (ep) this.recordOsm(s, ep, code);
        break;
      case 'kuma':
        if (ep) this.recordKuma(s, ep, code);
        break;
      case 'gloo':
      case 'contour':
      case 'knative':
        this.recordAtGatewayEnvoy(f, s, code);
        break;
      case 'nginx':
      case 'traefik':
      case 'apisix':
      case 'skipper':
        this.recordAtIngress(f, s, code, s.latencyMs);
        break;
      case 'podinfo':
        break;
    }
  }

  private recordIstio(s: Served, ep: Endpoint, code: string) {
    const l = {
      reporter: 'destination',
      source_workload: 'unknown',
      source_workload_namespace: 'unknown',
      source_app: 'unknown',
      destination_workload: ep.workload,
      destination_workload_namespace: ep.namespace,
      destination_app: ep.labels['app'] ?? ep.labels['app.kubernetes.io/name'] ?? 'unknown',
      destination_version: ep.labels['version'] ?? 'unknown',
      destination_service: serviceHostOf(s.backend),
      destination_service_name: s.backend.service,
      destination_service_namespace: s.backend.namespace,
      destination_canonical_service: ep.labels['service.istio.io/canonical-name'] ?? ep.labels['app'] ?? ep.workload,
      request_protocol: 'http',
      response_code: code,
      response_flags: '-',
      connection_security_policy: 'none',
    };
    this.inc(this.istioRequests, l);
    this.observe(this.istioDuration, l, s.latencyMs);
  }

  /** Recorded on the inbound side of the destination proxy. */
  private recordLinkerd(s: Served, ep: Endpoint, code: string) {
    const l = {
      direction: 'inbound',
      namespace: ep.namespace,
      deployment: ep.workload,
      pod: ep.pod,
      authority: `${serviceHostOf(s.backend)}:${s.port ?? 80}`,
      tls: 'true',
      status_code: code,
      target_addr: `0.0.0.0:${s.port ?? 80}`,
    };
    this.inc(this.linkerdResponses, { ...l, classification: s.status >= 500 ? 'failure' : 'success' });
    this.observe(this.linkerdLatency, l, s.latencyMs);
  }

  private recordOsm(s: Served, ep: Endpoint, code: string) {
    const l = {
      source_namespace: 'unknown',
      source_kind: 'unknown',
      source_name: 'unknown',
      source_pod: 'unknown',
      destination_namespace: ep.namespace,
      destination_kind: ep.workloadKind,
      destination_name: ep.workload,
      destination_pod: ep.pod,
    };
    this.inc(this.osmRequests, { ...l, response_code: code });
    this.observe(this.osmDuration, l, s.latencyMs);
  }

  /** Recorded by the destination data plane (its inbound cluster). */
  private recordKuma(s: Served, ep: Endpoint, code: string) {
    const l = {
      envoy_cluster_name: `localhost_${s.port ?? 80}`,
      service: s.backend.labels?.service ?? `${s.backend.service}_${s.backend.namespace}_svc_${s.port ?? 80}`,
      mesh: s.backend.labels?.mesh ?? 'default',
      kubernetes_namespace: ep.namespace,
    };
    this.inc(this.envoyRq, { ...l, envoy_response_code: code });
    this.observe(this.envoyRqTime, l, s.latencyMs);
  }

  /** Recorded by the gateway's Envoy, also when the cluster has no healthy host (503). */
  private recordAtGatewayEnvoy(f: keyof typeof GATEWAY_NAMESPACES, s: Served, code: string) {
    const name = s.backend.labels?.envoy_cluster_name ?? `${s.backend.namespace}_${s.backend.service}_${s.port ?? ''}`;
    const l = { envoy_cluster_name: name, service: '', mesh: '', kubernetes_namespace: GATEWAY_NAMESPACES[f] };
    this.inc(this.envoyRq, { ...l, envoy_response_code: code });
    this.observe(this.envoyRqTime, l, s.latencyMs);
  }

  /** podinfo's own metrics, recorded by the pod that served the request. */
  private recordAtPod(s: Served, ep: Endpoint, code: string) {
    const l = {
      kubernetes_namespace: ep.namespace,
      kubernetes_pod_name: ep.pod,
      method: s.req.method,
      path: s.req.path === '/' ? 'root' : s.req.path.replace(/[^a-zA-Z0-9]+/g, '_').replace(/^_|_$/g, ''),
      status: code,
    };
    this.inc(this.podinfoRequests, l);
    this.observe(this.podinfoDuration, l, s.latencyMs / 1000);
  }
}

/** The cluster-local host name of a backend's Service. */
const serviceHostOf = (backend: Backend) => `${backend.service}.${backend.namespace}.svc.cluster.local`;
