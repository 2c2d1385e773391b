// Every Canary of the seed documents validates, and resolves with Flagger's defaults filled in.
import { expect } from 'chai';
import { readManifests } from '../../../src/io/manifests.js';
import { validateDocument } from '../../../src/api/validate.js';
import { resolveCanary } from '../../../src/api/defaults.js';
import type { Canary } from '../../../src/api/types.js';

const docs = readManifests(['test/fixtures/seeds']);
const canaryOf = (file: string): Canary => {
  const doc = docs.find((d) => d.file.endsWith(`/${file}`));
  if (!doc) throw new Error(`fixture ${file} missing`);
  return doc.object as unknown as Canary;
};

describe('seed manifests', () => {
  it("contains the five seeds' Canaries", () => {
    const prefixes = new Set(docs.filter((d) => d.object.kind === 'Canary').map((d) => d.file.split('/').pop()!.split('-')[0]));
    expect([...prefixes].sort()).to.deep.equal(['gloo', 'istio', 'kuma', 'linkerd', 'osm']);
  });

  for (const doc of docs.filter((d) => ['Canary', 'MetricTemplate', 'AlertProvider'].includes(String(d.object.kind)))) {
    it(`${doc.file} is valid`, () => {
      expect(validateDocument(doc.object)).to.deep.equal([]);
    });
  }

  it('OSM: explicit values kept, defaults filled in', () => {
    const r = resolveCanary(canaryOf('osm-canary-podinfo.yaml'));
    expect(r).to.include({
      provider: 'osm',
      namespace: 'test',
      targetName: 'podinfo',
      intervalMs: 30_000,
      threshold: 5,
      maxWeight: 50,
      stepWeight: 5,
      progressDeadlineSeconds: 60,
      iterations: 0,
      primaryReadyThreshold: 100,
      canaryReadyThreshold: 100,
      skipAnalysis: false,
    });
    expect(r.strategy).to.deep.equal({ kind: 'canary', mirror: false });
    expect(r.service).to.include({ name: 'podinfo', port: 9898, portName: 'http', targetPort: 9898 });
    expect(r.metrics.map((m) => [m.name, m.interval, m.min, m.max])).to.deep.equal([
      ['request-success-rate', '1m', 99, undefined],
      ['request-duration', '30s', undefined, 500],
    ]);
    expect(r.webhooks.map((w) => [w.name, w.type, w.timeoutMs])).to.deep.equal([
      ['acceptance-test', 'pre-rollout', 30_000],
      ['load-test', 'rollout', 5_000],
    ]);
  });

  it('Linkerd: no provider means the operator default; legacy threshold maps to min/max', () => {
    const r = resolveCanary(canaryOf('linkerd-canary-quotesbackend.yaml'), { provider: 'linkerd' });
    expect(r.provider).to.equal('linkerd');
    expect(r.maxWeight).to.equal(70);
    expect(r.stepWeight).to.equal(10);
    const rate = r.metrics.find((m) => m.name === 'request-success-rate')!;
    const duration = r.metrics.find((m) => m.name === 'request-duration')!;
    expect([rate.min, rate.max]).to.deep.equal([99, undefined]);
    expect(duration.max).to.be.a('number');
    expect(duration.min).to.equal(undefined);
  });

  it('Gloo A/B: match plus iterations selects A/B testing', () => {
    const r = resolveCanary(canaryOf('gloo-canary-podinfo-ab.yaml'));
    expect(r.strategy.kind).to.equal('ab-testing');
    expect(r.iterations).to.equal(10);
    expect(r.match[0].headers).to.have.property('x-canary');
  });

  it('Istio: gateways, hosts and a 60s default interval when unset', () => {
    const c = canaryOf('istio-canary-podinfo.yaml');
    const r = resolveCanary(c);
    expect(r.provider).to.equal('istio');
    expect(r.service.gateways).to.be.an('array').that.is.not.empty;
    expect(r.service.hosts).to.be.an('array').that.is.not.empty;
    const withoutInterval = structuredClone(c);
    delete withoutInterval.spec.analysis!.interval;
    expect(resolveCanary(withoutInterval).intervalMs).to.equal(60_000);
  });

  it('Gloo custom metric: a templateRef resolves to the Canary namespace', () => {
    const r = resolveCanary(canaryOf('gloo-canary-podinfo-custom-metric.yaml'));
    const custom = r.metrics.find((m) => m.templateRef);
    expect(custom?.templateRef?.namespace).to.equal('test');
  });
});
