import { expect } from 'chai';
import { inputOf, podinfoCanary, podinfoDeployment, synthErrorOf } from './inputs.js';

describe('synth: bad input names the field and the construct path', () => {
  it('nginx without ingressRef', () => {
    const err = synthErrorOf(inputOf(podinfoCanary({ provider: 'nginx' })));
    expect(err.message).to.equal('[podinfo.test/Routes/nginx] spec.ingressRef: is required when provider is nginx (the Ingress to clone for the canary)');
    expect(err).to.include({ constructPath: 'podinfo.test/Routes/nginx', field: 'spec.ingressRef' });
  });

  it('nginx with an ingressRef but no Ingress given, or one without the apex backend', () => {
    const canary = podinfoCanary({ provider: 'nginx', ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'web' } });
    expect(synthErrorOf(inputOf(canary)).message).to.equal('[podinfo.test/Routes/nginx] spec.ingressRef: Ingress test/web was not given');
    const ingress = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'test' }, spec: { rules: [] } };
    expect(synthErrorOf(inputOf(canary, undefined, { referenced: { ingress } })).message).to.equal(
      '[podinfo.test/Routes/nginx] spec.ingressRef: Ingress web has no backend for Service podinfo',
    );
  });

  it('gatewayapi without gatewayRefs', () => {
    for (const provider of ['gatewayapi:v1', 'gatewayapi:v1beta1']) {
      expect(synthErrorOf(inputOf(podinfoCanary({ provider }))).message).to.equal(
        `[podinfo.test/Routes/${provider}] spec.service.gatewayRefs: is required when provider is ${provider} (the Gateways the HTTPRoute attaches to)`,
      );
    }
  });

  it('a target whose selector has none of app, name, app.kubernetes.io/name', () => {
    const target = podinfoDeployment();
    target.spec.selector = { matchLabels: { component: 'podinfo' } };
    const err = synthErrorOf(inputOf(podinfoCanary(), target));
    expect(err.message).to.equal(
      '[podinfo.test] spec.selector.matchLabels: Deployment test/podinfo has none of the labels app, name, app.kubernetes.io/name; Sluice tells primary from canary pods by the first of them it finds',
    );
  });

  it('weights that are not percentages adding up to 100', () => {
    expect(synthErrorOf(inputOf(podinfoCanary(), undefined, { weights: { primary: 50, canary: 60 } })).message).to.equal(
      '[podinfo.test] weights: primary and canary must add up to 100, got 50 + 60',
    );
    expect(synthErrorOf(inputOf(podinfoCanary(), undefined, { weights: { primary: 99.5, canary: 0.5 } })).field).to.equal('weights.primary');
  });

  it('an unknown phase', () => {
    expect(synthErrorOf(inputOf(podinfoCanary(), undefined, { phase: 'Rolling' })).field).to.equal('phase');
  });

  it('an autoscalerRef without its HorizontalPodAutoscaler, or with another one', () => {
    const canary = podinfoCanary({ autoscalerRef: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'podinfo' } });
    expect(synthErrorOf(inputOf(canary)).message).to.equal('[podinfo.test] spec.autoscalerRef: HorizontalPodAutoscaler test/podinfo was not given');
    const hpa = {
      apiVersion: 'autoscaling/v2',
      metadata: { name: 'other' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'podinfo' }, maxReplicas: 2 },
    };
    expect(synthErrorOf(inputOf(canary, undefined, { hpa })).field).to.equal('spec.autoscalerRef.name');
    const keda = podinfoCanary({ autoscalerRef: { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'podinfo' } });
    expect(synthErrorOf(inputOf(keda)).message).to.equal('[podinfo.test] spec.autoscalerRef: ScaledObject test/podinfo was not given');
    const vpa = podinfoCanary({ autoscalerRef: { apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', name: 'podinfo' } });
    expect(synthErrorOf(inputOf(vpa)).field).to.equal('spec.autoscalerRef.kind');
  });

  it('a target other than the one targetRef names', () => {
    const target = podinfoDeployment();
    target.metadata.name = 'frontend';
    expect(synthErrorOf(inputOf(podinfoCanary(), target)).message).to.equal(
      '[podinfo.test] spec.targetRef.name: names Deployment podinfo but frontend was given',
    );
  });

  it('A/B or mirroring on a provider that cannot do it', () => {
    const ab = podinfoCanary({ provider: 'osm', analysis: { iterations: 10, match: [{ headers: { x: { exact: 'y' } } }] } });
    expect(synthErrorOf(inputOf(ab)).message).to.equal('[podinfo.test] spec.analysis.match: provider osm cannot route by header or cookie (A/B testing)');
    const mirror = podinfoCanary({ provider: 'kuma' });
    expect(synthErrorOf(inputOf(mirror, undefined, { weights: { primary: 100, canary: 0, mirror: true } })).field).to.equal('spec.analysis.mirror');
  });

  it('a provider without a router', () => {
    expect(synthErrorOf(inputOf(podinfoCanary({ provider: 'supergloo' }))).message).to.match(
      /^\[podinfo\.test\] spec\.provider: supergloo has no router in Sluice; use one of istio, linkerd/,
    );
  });

  it('an A/B match a provider cannot express', () => {
    const canary = podinfoCanary({
      provider: 'gatewayapi:v1',
      service: { port: 9898, gatewayRefs: [{ name: 'gw' }] },
      analysis: { iterations: 10, match: [{ headers: { 'x-canary': { prefix: 'in' } } }] },
    });
    expect(synthErrorOf(inputOf(canary)).message).to.equal(
      '[podinfo.test/Routes/gatewayapi:v1] spec.analysis.match[0].headers.x-canary: Gateway API matches exactly or by regex only',
    );
    const istio = podinfoCanary({ analysis: { iterations: 10, match: [{ uri: { suffix: '.png' } }] } });
    expect(synthErrorOf(inputOf(istio)).field).to.equal('spec.analysis.match[0].uri.suffix');
  });

  it('a gloo upstreamRef whose Upstream was not given', () => {
    const canary = podinfoCanary({
      provider: 'gloo',
      upstreamRef: { apiVersion: 'gloo.solo.io/v1', kind: 'Upstream', name: 'base', namespace: 'gloo-system' },
    });
    expect(synthErrorOf(inputOf(canary)).message).to.equal(
      '[podinfo.test/Routes/gloo] spec.upstreamRef: Upstream gloo-system/base was not given; it is needed to copy its settings',
    );
  });
});
