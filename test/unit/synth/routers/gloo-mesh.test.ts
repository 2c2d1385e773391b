import { expect } from 'chai';
import { synthesizeCanary } from '../../../../src/synth/canary-chart.js';
import { validateCanary } from '../../../../src/api/validate.js';
import type { KubeObject } from '../../../../src/synth/kube-json.js';
import { canaryInputsOf } from '../../../../src/synth/manifest-inputs.js';
import { readManifests, type ManifestDoc } from '../../../../src/io/manifests.js';
import { inputOf, podinfoCanary, synthErrorOf, FLUX } from '../inputs.js';

const delegating = (http: unknown[], extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'networking.gloo.solo.io/v2',
  kind: 'RouteTable',
  metadata: { name: 'podinfo', namespace: 'test', labels: { expose: 'true' }, annotations: { foo: 'bar' } },
  spec: { hosts: ['podinfo.test.svc.cluster.local'], virtualGateways: [{ name: 'north-south-gw', namespace: 'istio-gateways' }], http, ...extra },
});
const toDelegate = [{ matchers: [{ uri: { prefix: '/' } }], delegate: { routeTables: [{ name: 'podinfo-delegate', namespace: 'test' }] } }];
const meshCanary = (service: { port: number; [k: string]: unknown } = { port: 9898, targetPort: 9898 }) =>
  podinfoCanary({ provider: 'gloo-mesh', routeTableRef: { name: 'podinfo', namespace: 'test' }, service }, { uid: 'u-1' });
const routesAt = (primary: number, canary: number, table = delegating(toDelegate), canaryObj = meshCanary()) =>
  synthesizeCanary(inputOf(canaryObj, undefined, { referenced: { routeTable: table }, weights: { primary, canary } })).byRole.routes;

describe('synth: gloo-mesh router', () => {
  it("writes the delegate RouteTable the user's table names, with weighted-route to the primary and canary Services", () => {
    const [table, ...rest] = routesAt(70, 30);
    expect(rest).to.deep.equal([]);
    expect(table.apiVersion).to.equal('networking.gloo.solo.io/v2');
    expect(table.kind).to.equal('RouteTable');
    expect(table.metadata).to.include({ name: 'podinfo-delegate', namespace: 'test' });
    expect(table.metadata.labels).to.deep.equal({ expose: 'true' });
    expect(table.metadata.annotations).to.deep.equal({ foo: 'bar', ...FLUX });
    expect(table.metadata.ownerReferences?.[0]).to.include({ kind: 'Canary', name: 'podinfo', uid: 'u-1', controller: true });
    expect(table.spec).to.deep.equal({
      http: [
        {
          name: 'weighted-route',
          forwardTo: {
            destinations: [
              { ref: { name: 'podinfo-primary', namespace: 'test' }, port: { number: 9898 }, weight: 70 },
              { ref: { name: 'podinfo-canary', namespace: 'test' }, port: { number: 9898 }, weight: 30 },
            ],
          },
        },
      ],
    });
  });

  it('leaves a zero weight out, as Flagger writes it (uint32, omitempty)', () => {
    const [table] = routesAt(100, 0);
    expect((table.spec as any).http[0].forwardTo.destinations.map((d: any) => d.weight ?? null)).to.deep.equal([100, null]);
  });

  it("copies the delegator's workloadSelectors and weight, and names the port by service.portName when the Canary sets it", () => {
    const workloadSelectors = [{ selector: { labels: { app: 'frontend' }, namespace: 'test' } }];
    const [table] = routesAt(90, 10, delegating(toDelegate, { workloadSelectors, weight: 5 }), meshCanary({ port: 9898, portName: 'http-podinfo' }));
    expect((table.spec as any).workloadSelectors).to.deep.equal(workloadSelectors);
    expect((table.spec as any).weight).to.equal(5);
    expect((table.spec as any).http[0].forwardTo.destinations[0].port).to.deep.equal({ name: 'http-podinfo' });
  });

  it('refuses, naming spec.routeTableRef, a table that delegates nowhere, by labels only, to another namespace or to itself', () => {
    const at = '[podinfo.test/Routes/gloo-mesh] spec.routeTableRef: RouteTable test/podinfo';
    const msg = (http: unknown[]) => synthErrorOf(inputOf(meshCanary(), undefined, { referenced: { routeTable: delegating(http) } })).message;
    expect(msg([{ forwardTo: { destinations: [{ ref: { name: 'podinfo' } }] } }])).to.equal(
      `${at} has no route that delegates to another RouteTable (spec.http[].delegate.routeTables)`,
    );
    expect(msg([{ delegate: { routeTables: [{ labels: { team: 'web' } }] } }])).to.match(/delegates by labels, not by name/);
    expect(msg([{ delegate: { routeTables: [{ name: 'podinfo-delegate', namespace: 'other' }] } }])).to.equal(
      `${at} delegates to RouteTable other/podinfo-delegate; Sluice writes the delegate in the Canary's namespace test`,
    );
    expect(msg([{ delegate: { routeTables: [{ name: 'podinfo' }] } }])).to.equal(`${at} delegates to itself; Sluice would overwrite it`);
    expect(synthErrorOf(inputOf(meshCanary())).message).to.equal('[podinfo.test/Routes/gloo-mesh] spec.routeTableRef: RouteTable test/podinfo was not given');
  });

  it('refuses A/B matches and mirroring, which Flagger does not route for Gloo Mesh, and accepts the corpus form of routeTableRef', () => {
    const ref = { routeTableRef: { name: 'podinfo', namespace: 'test' } };
    const ab = podinfoCanary({
      provider: 'gloo-mesh',
      ...ref,
      analysis: { interval: '1m', iterations: 5, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] },
    });
    expect(validateCanary(ab).map((p) => `${p.path}: ${p.message}`)).to.include(
      'spec.analysis.match: provider gloo-mesh cannot route by header or cookie (A/B testing)',
    );
    const mirror = podinfoCanary({ provider: 'gloo-mesh', ...ref, analysis: { interval: '1m', iterations: 5, mirror: true } });
    expect(validateCanary(mirror).map((p) => `${p.path}: ${p.message}`)).to.include('spec.analysis.mirror: provider gloo-mesh cannot mirror traffic');
    expect(validateCanary(podinfoCanary({ provider: 'gloo-mesh', ...ref }))).to.deep.equal([]);
  });

  it("reads the routeTableRef from manifests as Gloo Mesh's RouteTable, not Gloo Edge's of the same kind and name", () => {
    const example = readManifests(['examples/gloo-mesh']);
    const edge: ManifestDoc = {
      file: 'examples/gloo-mesh/edge.yaml',
      index: 0,
      object: { apiVersion: 'gateway.solo.io/v1', kind: 'RouteTable', metadata: { name: 'podinfo', namespace: 'test' }, spec: { routes: [] } },
    };
    for (const docs of [example, [edge, ...example]]) {
      const [{ input }] = canaryInputsOf(docs, { weights: { primary: 100, canary: 0 } });
      expect(input.referenced?.routeTable?.apiVersion).to.equal('networking.gloo.solo.io/v2');
    }
  });
});
