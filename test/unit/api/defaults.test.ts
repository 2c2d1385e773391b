import { expect } from 'chai';
import { resolveCanary, maxWeightOf, DEFAULTS } from '../../../src/api/defaults.js';
import { strategyOf } from '../../../src/api/strategy.js';
import type { Canary } from '../../../src/api/types.js';

const minimal = (): Canary => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'app', namespace: 'prod' },
  spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'app' }, service: { port: 80 }, analysis: { stepWeight: 10 } },
});

describe('defaults', () => {
  it("fills Flagger's defaults into a minimal Canary", () => {
    const r = resolveCanary(minimal());
    expect(r).to.include({
      provider: 'istio',
      metricsServer: 'http://prometheus:9090',
      intervalMs: 60_000,
      threshold: 1,
      maxWeight: 100,
      progressDeadlineSeconds: 600,
      primaryReadyThreshold: 100,
      canaryReadyThreshold: 100,
    });
    expect(r.service).to.include({ name: 'app', portName: 'http', targetPort: 80 });
    expect(DEFAULTS.webhookTimeoutMs).to.equal(10_000);
  });

  it('metric interval defaults to 1m and webhook timeout to 10s', () => {
    const c = minimal();
    c.spec.analysis!.metrics = [{ name: 'request-duration', threshold: 500 }];
    c.spec.analysis!.webhooks = [{ name: 'w', url: 'http://x/' }];
    const r = resolveCanary(c);
    expect(r.metrics[0]).to.include({ interval: '1m', intervalMs: 60_000, max: 500 });
    expect(r.webhooks[0]).to.include({ type: 'rollout', timeoutMs: 10_000, retries: 0 });
  });

  it('operator defaults apply only when the Canary sets none', () => {
    const r = resolveCanary(minimal(), { provider: 'linkerd', metricsServer: 'http://prom:9090' });
    expect([r.provider, r.metricsServer]).to.deep.equal(['linkerd', 'http://prom:9090']);
    const c = minimal();
    c.spec.provider = 'kuma';
    expect(resolveCanary(c, { provider: 'linkerd' }).provider).to.equal('kuma');
  });

  it('maxWeight: last stepWeights entry (capped at 100), else maxWeight, else 100', () => {
    expect(maxWeightOf({ stepWeights: [1, 5, 30], maxWeight: 80 })).to.equal(30);
    expect(maxWeightOf({ stepWeights: [50, 120] })).to.equal(100);
    expect(maxWeightOf({ maxWeight: 60 })).to.equal(60);
    expect(maxWeightOf(undefined)).to.equal(100);
  });

  it('the deprecated canaryAnalysis is read when analysis is absent', () => {
    const c = minimal();
    c.spec.canaryAnalysis = { interval: '15s', stepWeight: 20 };
    delete c.spec.analysis;
    expect(resolveCanary(c)).to.include({ intervalMs: 15_000, stepWeight: 20, skipAnalysis: false });
  });

  it('no analysis at all means the analysis is skipped', () => {
    const c = minimal();
    delete c.spec.analysis;
    expect(resolveCanary(c).skipAnalysis).to.equal(true);
  });

  it('the kubernetes provider runs Blue/Green with 10 iterations by default', () => {
    const c = minimal();
    c.spec.provider = 'kubernetes';
    const r = resolveCanary(c);
    expect(r.strategy.kind).to.equal('blue-green');
    expect(r.iterations).to.equal(10);
  });
});

describe('strategy selection', () => {
  const match = [{ headers: { 'x-canary': { exact: 'insider' } } }];
  it('match + iterations is A/B testing', () => expect(strategyOf('istio', { match, iterations: 10 }).kind).to.equal('ab-testing'));
  it('iterations alone is Blue/Green', () => expect(strategyOf('istio', { iterations: 5 }).kind).to.equal('blue-green'));
  it('match without iterations is a canary', () => expect(strategyOf('istio', { match, stepWeight: 10 }).kind).to.equal('canary'));
  it('steps are a canary', () => expect(strategyOf('istio', { stepWeight: 10 })).to.deep.equal({ kind: 'canary', mirror: false }));
  it('mirror rides on canary and Blue/Green', () => {
    expect(strategyOf('istio', { stepWeight: 10, mirror: true })).to.deep.equal({ kind: 'canary', mirror: true });
    expect(strategyOf('istio', { iterations: 3, mirror: true })).to.deep.equal({ kind: 'blue-green', mirror: true });
  });
  it('the kubernetes provider forces Blue/Green and drops the A/B match', () =>
    expect(strategyOf('kubernetes', { match, iterations: 10 })).to.deep.equal({ kind: 'blue-green', mirror: false }));
});
