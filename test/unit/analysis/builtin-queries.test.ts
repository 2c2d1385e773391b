// Builtin queries rendered for podinfo in namespace test (interval 1m): the exact PromQL of
// Flagger's observers (reference section 3), written out here by hand, whitespace collapsed.
import { expect } from 'chai';
import { builtinFamily, builtinQuery, renderBuiltinQuery } from '../../../src/analysis/builtin-queries.js';
import type { QueryModel } from '../../../src/analysis/template.js';

const podinfo: QueryModel = {
  name: 'podinfo',
  namespace: 'test',
  target: 'podinfo',
  service: 'podinfo',
  ingress: 'podinfo',
  route: 'podinfo',
  interval: '1m',
  variables: {},
};

const expected: Record<string, { sr: string; rd: string }> = {
  istio: {
    sr: 'sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="test",destination_workload=~"podinfo",response_code!~"5.*"}[1m])) / sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="test",destination_workload=~"podinfo"}[1m])) * 100',
    rd: 'histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_workload_namespace="test",destination_workload=~"podinfo"}[1m])) by (le))',
  },
  linkerd: {
    sr: 'sum(rate(response_total{namespace="test",deployment=~"podinfo",classification!="failure",direction="inbound"}[1m])) / sum(rate(response_total{namespace="test",deployment=~"podinfo",direction="inbound"}[1m])) * 100',
    rd: 'histogram_quantile(0.99, sum(rate(response_latency_ms_bucket{namespace="test",deployment=~"podinfo",direction="inbound"}[1m])) by (le))',
  },
  osm: {
    sr: 'sum(rate(osm_request_total{destination_namespace="test",destination_kind="Deployment",destination_name="podinfo",response_code!~"5.*"}[1m])) / sum(rate(osm_request_total{destination_namespace="test",destination_kind="Deployment",destination_name="podinfo"}[1m])) * 100',
    rd: 'histogram_quantile(0.99, sum(rate(osm_request_duration_ms_bucket{destination_namespace="test",destination_kind="Deployment",destination_name="podinfo"}[1m])) by (le))',
  },
  kuma: {
    sr: 'sum(rate(envoy_cluster_upstream_rq{service=~"podinfo-canary_test_svc_[0-9a-zA-Z-]+",envoy_response_code!~"5.*"}[1m])) / sum(rate(envoy_cluster_upstream_rq{service=~"podinfo-canary_test_svc_[0-9a-zA-Z-]+"}[1m])) * 100',
    rd: 'histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{service=~"podinfo-canary_test_svc_[0-9a-zA-Z-]+"}[1m])) by (le))',
  },
  gloo: {
    sr: 'sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"test-podinfo-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+",envoy_response_code!~"5.*"}[1m])) / sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"test-podinfo-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+"}[1m])) * 100',
    rd: 'histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=~"test-podinfo-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+"}[1m])) by (le))',
  },
  appmesh: {
    sr: 'sum(rate(envoy_cluster_upstream_rq{kubernetes_namespace="test",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)",envoy_response_code!~"5.*"}[1m])) / sum(rate(envoy_cluster_upstream_rq{kubernetes_namespace="test",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[1m])) * 100',
    rd: 'histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{kubernetes_namespace="test",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[1m])) by (le))',
  },
  contour: {
    sr: 'sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"test_podinfo-canary_[0-9a-zA-Z-]+",envoy_response_code!~"5.*"}[1m])) / sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"test_podinfo-canary_[0-9a-zA-Z-]+"}[1m])) * 100',
    rd: 'histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=~"test_podinfo-canary_[0-9a-zA-Z-]+"}[1m])) by (le))',
  },
  nginx: {
    sr: 'sum(rate(nginx_ingress_controller_requests{namespace="test",ingress="podinfo",canary!="",status!~"5.*"}[1m])) / sum(rate(nginx_ingress_controller_requests{namespace="test",ingress="podinfo",canary!=""}[1m])) * 100',
    rd: 'sum(rate(nginx_ingress_controller_response_duration_seconds_sum{namespace="test",ingress="podinfo",canary!=""}[1m])) / sum(rate(nginx_ingress_controller_response_duration_seconds_count{namespace="test",ingress="podinfo",canary!=""}[1m])) * 1000',
  },
  traefik: {
    sr: 'sum(rate(traefik_service_request_duration_seconds_bucket{service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd",code!~"5..",le="+Inf"}[1m])) / sum(rate(traefik_service_request_duration_seconds_bucket{service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd",le="+Inf"}[1m])) * 100',
    rd: 'histogram_quantile(0.99, sum(rate(traefik_service_request_duration_seconds_bucket{service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd"}[1m])) by (le)) * 1000',
  },
  apisix: {
    sr: 'sum(rate(apisix_http_status{route=~"test_podinfo-podinfo-canary_.+",code!~"5.."}[1m])) / sum(rate(apisix_http_status{route=~"test_podinfo-podinfo-canary_.+"}[1m])) * 100',
    rd: 'histogram_quantile(0.99, sum(rate(apisix_http_latency_bucket{type=~"request",route=~"test_podinfo-podinfo-canary_.+"}[1m])) by (le))',
  },
  skipper: {
    sr: 'sum(rate(skipper_response_duration_seconds_bucket{route=~"kube(ew)?_test__podinfo_canary__.*__podinfo_canary(_[0-9]+)?",code!~"5..",le="+Inf"}[1m])) / sum(rate(skipper_response_duration_seconds_bucket{route=~"kube(ew)?_test__podinfo_canary__.*__podinfo_canary(_[0-9]+)?",le="+Inf"}[1m])) * 100',
    rd: 'sum(rate(skipper_serve_route_duration_seconds_sum{route=~"kube(ew)?_test__podinfo_canary__.*__podinfo_canary(_[0-9]+)?"}[1m])) / sum(rate(skipper_serve_route_duration_seconds_count{route=~"kube(ew)?_test__podinfo_canary__.*__podinfo_canary(_[0-9]+)?"}[1m])) * 1000',
  },
  knative: {
    sr: 'sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"test/podinfo",envoy_response_code!~"5.*"}[1m])) / sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"test/podinfo"}[1m])) * 100',
    rd: 'histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=~"test/podinfo"}[1m])) by (le))',
  },
  kubernetes: {
    sr: 'sum(rate(http_request_duration_seconds_count{kubernetes_namespace="test",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)",status!~"5.*"}[1m])) / sum(rate(http_request_duration_seconds_count{kubernetes_namespace="test",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[1m])) * 100',
    rd: 'histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{kubernetes_namespace="test",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[1m])) by (le))',
  },
};

/** Providers that share another's observer, as Flagger's factory maps them. */
const aliases: Record<string, string> = {
  'appmesh:v1beta2': 'appmesh',
  'gatewayapi:v1': 'kubernetes',
  'gatewayapi:v1beta1': 'kubernetes',
  'smi:v1alpha3': 'istio',
  'some-future-mesh': 'istio',
};

describe('builtin queries for podinfo in namespace test', () => {
  for (const [provider, { sr, rd }] of Object.entries(expected)) {
    it(`${provider}: request-success-rate`, () => {
      expect(renderBuiltinQuery(provider, 'request-success-rate', podinfo)).to.equal(sr);
    });
    it(`${provider}: request-duration`, () => {
      expect(renderBuiltinQuery(provider, 'request-duration', podinfo)).to.equal(rd);
    });
  }

  for (const [provider, same] of Object.entries(aliases)) {
    it(`${provider} uses the ${same} queries`, () => {
      expect(renderBuiltinQuery(provider, 'request-success-rate', podinfo)).to.equal(expected[same].sr);
      expect(renderBuiltinQuery(provider, 'request-duration', podinfo)).to.equal(expected[same].rd);
    });
  }

  it('uses the metric interval, the apex service and the ingress/route names where the provider does', () => {
    const model = { ...podinfo, interval: '30s', service: 'frontend', ingress: 'public', route: 'web' };
    expect(renderBuiltinQuery('contour', 'request-duration', model)).to.contain('envoy_cluster_name=~"test_frontend-canary_[0-9a-zA-Z-]+"}[30s]');
    expect(renderBuiltinQuery('nginx', 'request-success-rate', model)).to.contain('ingress="public"');
    expect(renderBuiltinQuery('apisix', 'request-success-rate', model)).to.contain('route=~"test_web-podinfo-canary_.+"');
    expect(renderBuiltinQuery('skipper', 'request-success-rate', model)).to.contain('kube(ew)?_test__public_canary__.*__frontend_canary(_[0-9]+)?');
  });

  it('skipper replaces non-word characters of the names with "_", as Skipper names its routes', () => {
    const model = { ...podinfo, namespace: 'team-a', ingress: 'web.public', service: 'pod-info' };
    expect(renderBuiltinQuery('skipper', 'request-success-rate', model)).to.contain(
      'route=~"kube(ew)?_team_a__web_public_canary__.*__pod_info_canary(_[0-9]+)?"',
    );
  });

  it('the request count (minRequestCount) counts what the success rate divides by', () => {
    expect(renderBuiltinQuery('istio', 'request-count', podinfo)).to.equal(
      'sum(increase(istio_requests_total{reporter="destination",destination_workload_namespace="test",destination_workload=~"podinfo"}[1m]))',
    );
    expect(renderBuiltinQuery('kubernetes', 'request-count', podinfo)).to.equal(
      'sum(increase(http_request_duration_seconds_count{kubernetes_namespace="test",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[1m]))',
    );
    expect(renderBuiltinQuery('traefik', 'request-count', podinfo)).to.equal(
      'sum(increase(traefik_service_request_duration_seconds_bucket{service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd",le="+Inf"}[1m]))',
    );
  });

  it('only the plain HTTP family reports durations in seconds (Flagger multiplies those by 1000 in code)', () => {
    const inSeconds = Object.keys(expected).filter((p) => builtinFamily(p).durationUnit === 's');
    expect(inSeconds).to.deep.equal(['kubernetes']);
  });

  it('builtinQuery returns the unrendered template', () => {
    expect(builtinQuery('osm', 'request-duration')).to.contain('destination_name="{{ target }}"');
  });
});
