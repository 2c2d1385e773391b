// The traffic generator's honest noise: log-normal latencies around the pod's median and random
// errors, so two equal versions differ by chance (the statistical judge needs that).
import { expect } from 'chai';
import { behaviourFromEnv, ClusterView } from '../../traffic/endpoints.js';
import { Simulator } from '../../traffic/simulator.js';
import type { KObj, SimRoute } from '../../traffic/types.js';

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const env = { SLUICE_SIM_LATENCY_MS: '100', SLUICE_SIM_LATENCY_SIGMA: '0.3', SLUICE_SIM_ERRORS: 'random', SLUICE_SIM_ERROR_RATE: '0.1' };
const view = new ClusterView(
  [{ metadata: { name: 'podinfo-canary', namespace: 'test' }, spec: { selector: { app: 'podinfo' }, ports: [{ port: 9898 }] } }],
  [
    {
      metadata: {
        name: 'podinfo-bbbb2-y0',
        namespace: 'test',
        labels: { app: 'podinfo', 'pod-template-hash': 'bbbb2' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'podinfo-bbbb2', controller: true }],
      },
      spec: { containers: [{ name: 'app', env: Object.entries(env).map(([name, value]) => ({ name, value })) }] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    } as KObj,
  ],
);
const route: SimRoute = {
  key: 'TrafficSplit/test/podinfo',
  kind: 'TrafficSplit',
  namespace: 'test',
  name: 'podinfo',
  families: ['linkerd'],
  selection: 'first',
  rps: 1000,
  rules: [{ matches: [], backends: [{ service: 'podinfo-canary', namespace: 'test', weight: 100 }] }],
};

describe('traffic/noise', () => {
  it('reads SLUICE_SIM_LATENCY_SIGMA and SLUICE_SIM_ERRORS=random from the pod template', () => {
    expect(behaviourFromEnv(env)).to.deep.equal({ errorRate: 0.1, errorCode: 500, latencyMs: 100, latencySigma: 0.3, randomErrors: true });
  });

  it('draws log-normal latencies (median 100 ms, p99 about 2x) and independent errors', () => {
    const served = new Simulator(undefined, { matchShare: 0.5, jitter: 0.2, random: seeded(7) }).tick([route], view, 10);
    expect(served).to.have.length(10_000);
    const latencies = served.map((r) => r.latencyMs).sort((a, b) => a - b);
    expect(latencies[5000]).to.be.within(97, 103);
    expect(latencies[9900]).to.be.within(190, 212); // 100 * exp(0.3 * 2.326) = 201
    const errors = served.filter((r) => r.status === 500).length;
    expect(errors).to.be.within(900, 1100);
    // Random, not exact: two seconds of the same pod do not fail the same number of requests.
    const perSecond = Array.from({ length: 10 }, (_, i) => served.slice(i * 1000, (i + 1) * 1000).filter((r) => r.status === 500).length);
    expect(new Set(perSecond).size).to.be.above(1);
  });
});
