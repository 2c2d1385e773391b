// The split each routing object carries, read back from what the routers write: every example's
// routes synthesized at 70/30 must read as primary 70 %, canary 30 %.
import { expect } from 'chai';
import { routeSplits, splitText } from '../../../src/dashboard/route-weights.js';
import { routingStubsOf } from '../../../src/dashboard/routing-objects.js';
import { routingObjectViews } from '../../../src/dashboard/view-model.js';
import { synthesizeCanary } from '../../../src/synth/canary-chart.js';
import { exampleInput, withCanary } from '../synth/inputs.js';

const WEIGHTED = ['contour', 'gatewayapi', 'gloo', 'istio', 'kuma', 'linkerd', 'nginx', 'osm', 'traefik', 'apisix', 'skipper', 'gloo-mesh'];
const AT_30 = { primary: 70, canary: 30 };

describe('dashboard route weights', () => {
  for (const example of WEIGHTED) {
    it(`reads ${example}'s routes at 70/30 as written: the primary's backend 70 %, the canary's 30 %`, () => {
      const routes = synthesizeCanary(exampleInput(example, AT_30)).byRole.routes;
      const splits = routes.map((r) => routeSplits(r)).filter((s) => s !== undefined);
      expect(splits, 'a routing object with weights').to.have.length.greaterThan(0);
      for (const split of splits.flat()) {
        expect(split.matched).to.equal(false);
        for (const b of split.backends) {
          if (b.name.includes('canary')) expect(b.share, b.name).to.equal(30);
          else if (b.name.includes('primary')) expect(b.share, b.name).to.equal(70);
          else expect.fail(`backend ${b.name} is neither primary nor canary`);
        }
      }
      const canaryShares = splits.flat().flatMap((s) => s.backends.filter((b) => b.name.includes('canary')));
      expect(canaryShares, 'the canary has a backend').to.have.length.greaterThan(0);
    });
  }

  it("reads the canary's share at 0 and at 100 for every provider", () => {
    for (const example of WEIGHTED) {
      for (const canary of [0, 100]) {
        const routes = synthesizeCanary(exampleInput(example, { primary: 100 - canary, canary })).byRole.routes;
        // Traefik counts a weight left out (the primary's 0, as Flagger writes it) as 1.
        const expected = example === 'traefik' && canary === 100 ? 99 : canary;
        for (const b of routes.flatMap((r) => routeSplits(r) ?? []).flatMap((s) => s.backends)) {
          if (b.name.includes('canary')) expect(b.share, `${example} ${b.name}`).to.equal(expected);
        }
      }
    }
  });

  it('tells the route A/B testing matches from the default route (Istio)', () => {
    const input = withCanary(
      exampleInput('istio'),
      (c) => {
        c.spec.analysis = {
          ...c.spec.analysis!,
          iterations: 10,
          stepWeight: undefined,
          maxWeight: undefined,
          match: [{ headers: { 'x-canary': { exact: 'insider' } } }],
        };
      },
      { primary: 0, canary: 100 },
    );
    const vs = synthesizeCanary(input).byRole.routes.find((r) => r.kind === 'VirtualService')!;
    const splits = routeSplits(vs)!;
    expect(splits.map((s) => s.matched)).to.deep.equal([true, false]);
    expect(splitText(splits)).to.equal('matched requests: podinfo-primary 0%, podinfo-canary 100%; podinfo-primary 100%');
  });

  it('an NGINX canary Ingress routing by header says all matched requests go to the canary', () => {
    const ingress = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { annotations: { 'custom.example/canary': 'true', 'custom.example/canary-by-header': 'x-canary' } },
      spec: { rules: [{ http: { paths: [{ backend: { service: { name: 'podinfo-canary' } } }] } }] },
    };
    expect(routeSplits(ingress)).to.deep.equal([{ matched: true, backends: [{ name: 'podinfo-canary', share: 100 }] }]);
    // An Ingress that is no canary carries no split.
    expect(routeSplits({ ...ingress, metadata: { annotations: {} } })).to.equal(undefined);
  });

  it('has no split for kinds without weights, and relative weights become shares of their sum', () => {
    expect(routeSplits({ apiVersion: 'networking.istio.io/v1beta1', kind: 'DestinationRule', spec: { host: 'podinfo-canary' } })).to.equal(undefined);
    expect(routeSplits({ apiVersion: 'gloo.solo.io/v1', kind: 'Upstream', spec: {} })).to.equal(undefined);
    const split = routeSplits({
      apiVersion: 'split.smi-spec.io/v1alpha1',
      kind: 'TrafficSplit',
      spec: {
        backends: [
          { service: 'a-primary', weight: '3' },
          { service: 'a-canary', weight: '1' },
        ],
      },
    });
    expect(split).to.deep.equal([
      {
        matched: false,
        backends: [
          { name: 'a-primary', share: 75 },
          { name: 'a-canary', share: 25 },
        ],
      },
    ]);
  });

  it('names the routing objects synthesis writes for a Canary, none before its target exists', () => {
    const input = exampleInput('istio');
    const given = { target: input.target as never, hpa: input.hpa as never };
    const stubs = routingStubsOf(input.canary, given, {});
    expect(stubs.map((s) => `${s.kind}/${s.metadata.name}`)).to.deep.equal([
      'DestinationRule/podinfo-canary',
      'DestinationRule/podinfo-primary',
      'VirtualService/podinfo',
    ]);
    expect(stubs.every((s) => s.metadata.namespace === input.canary.metadata.namespace)).to.equal(true);
    expect(routingStubsOf(input.canary, {}, {})).to.deep.equal([]);
    // A Canary without spec.provider takes the operator's default.
    const bare = structuredClone(input.canary);
    delete bare.spec.provider;
    expect(routingStubsOf(bare, given, { provider: 'osm' }).map((s) => s.kind)).to.deep.equal(['TrafficSplit']);
  });

  it('names the routing objects of Canaries built from referenced objects: the NGINX Ingress, a Knative Service target', () => {
    const nginx = exampleInput('nginx');
    const nginxStubs = routingStubsOf(nginx.canary, { target: nginx.target as never, hpa: nginx.hpa as never, referenced: { ...nginx.referenced } }, {});
    expect(nginxStubs.map((s) => `${s.kind}/${s.metadata.name}`)).to.deep.equal(['Ingress/podinfo-canary']);
    const knative = exampleInput('knative');
    const knativeStubs = routingStubsOf(knative.canary, { referenced: { knativeService: knative.target as never } }, {});
    expect(knativeStubs.map((s) => `${s.kind}/${s.metadata.name}`)).to.deep.equal(['Service/podinfo']);
  });

  it('shows each routing object with the split it carries, and one not found as not created yet', () => {
    const [vs] = synthesizeCanary(exampleInput('istio', AT_30)).byRole.routes.filter((r) => r.kind === 'VirtualService');
    const stub = { apiVersion: vs.apiVersion, kind: vs.kind, metadata: { name: vs.metadata.name } };
    expect(routingObjectViews([{ stub, live: vs }, { stub: { ...stub, metadata: { name: 'gone' } } }])).to.deep.equal([
      { kind: 'VirtualService', name: 'podinfo', split: 'podinfo-primary 70%, podinfo-canary 30%', detail: '' },
      { kind: 'VirtualService', name: 'gone', detail: 'not created yet' },
    ]);
  });
});
