// The statistical judge end to end: the operator, the real Prometheus and the traffic generator's
// honest noise (log-normal latencies, random errors). Both versions start alike; one new version is
// 40 % slower on every request (its p99 still well under the 500 ms threshold) and is rolled back by
// the judge while every threshold passes; the other is the same as the primary and is promoted.
import { expect } from 'chai';
import { ensureCluster } from '../support/cluster.js';
import {
  startOperator,
  createApp,
  podinfoCanary,
  waitForPhase,
  canaryEvents,
  setImage,
  deploymentImage,
  deleteNamespace,
  FAST,
  type OperatorProcess,
} from './support/rollout.js';

const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1';
const OLD = 'ghcr.io/stefanprodan/podinfo:6.0.0';
const run = `${process.pid % 10000}`;
/** Both versions: median 120 ms, sigma 0.3 (p99 about 240 ms), 0.1 % random errors. */
const NOISY = { SLUICE_SIM_LATENCY_MS: '120', SLUICE_SIM_LATENCY_SIGMA: '0.3', SLUICE_SIM_ERRORS: 'random', SLUICE_SIM_ERROR_RATE: '0.001' };

const analysis = (threshold: number) => ({
  interval: FAST.interval,
  threshold,
  stepWeight: 50,
  maxWeight: 50,
  metrics: [
    { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: FAST.metricInterval },
    // 45 s in steps of 3 s: 15 samples a side.
    { name: 'request-duration', thresholdRange: { max: 500 }, interval: '45s', sluiceJudge: { step: '3s' } },
  ],
});

describe('e2e: the statistical judge against the primary', function () {
  this.timeout(15 * 60_000);
  const slower = `e2e-judge-slower-${run}`;
  const equal = `e2e-judge-equal-${run}`;
  let operator: OperatorProcess;
  const outcome: Record<string, Promise<any>> = {};

  before(async function () {
    this.timeout(30 * 60_000);
    await ensureCluster();
    operator = await startOperator({ SLUICE_PROVIDER: 'linkerd' });
    await createApp({ namespace: slower, env: NOISY, canary: podinfoCanary(slower, { provider: 'linkerd', analysis: analysis(1) }) });
    await createApp({ namespace: equal, env: NOISY, canary: podinfoCanary(equal, { provider: 'linkerd', analysis: analysis(2) }) });
    await Promise.all([slower, equal].map((ns) => waitForPhase(ns, ['Initialized'], 180_000)));
    // Let the primaries' windows fill before the canaries start.
    await new Promise((r) => setTimeout(r, 45_000));
    await setImage(slower, NEW, { ...NOISY, SLUICE_SIM_LATENCY_MS: '168' });
    await setImage(equal, NEW, NOISY);
    for (const ns of [slower, equal]) {
      outcome[ns] = waitForPhase(ns, ['Succeeded', 'Failed'], 600_000);
      outcome[ns].catch(() => undefined);
    }
  });

  after(async function () {
    if (this.currentTest?.state === 'failed' || process.env.SLUICE_KEEP_LOGS) console.log(`operator log: ${operator?.logFile}`);
    await operator?.kill('SIGTERM');
    if (!process.env.SLUICE_KEEP_NAMESPACES) await Promise.all([slower, equal].map(deleteNamespace));
  });

  it('rolls back a canary 40 % slower inside the threshold: the judge fails it, every threshold passes', async () => {
    const st = await outcome[slower];
    const events = await canaryEvents(slower);
    expect(st.phase, events.join('\n')).to.equal('Failed');
    const t = `podinfo.${slower}`;
    const halt = events.find((e) => e.startsWith(`Halt ${t} advancement request-duration canary `));
    expect(halt, events.join('\n')).to.match(/^Halt \S+ advancement request-duration canary \d+ms vs primary \d+ms \(\+\d+%, p=(<0\.001|0\.0[01]\d)\)$/);
    expect(events).to.include(`Rolling back ${t} failed checks threshold reached 1`);
    // No threshold ever failed.
    expect(
      events.filter((e) => / (<|>) (99%|500ms)$/.test(e)),
      events.join('\n'),
    ).to.deep.equal([]);
    const duration = st.metrics.find((m: any) => m.name === 'request-duration');
    expect(duration).to.include({ result: 'fail', max: 500 });
    expect(duration.value).to.be.below(500);
    expect(duration.judge).to.include({ classification: 'high' });
    expect(duration.judge.canaryMedian).to.be.above(duration.judge.primaryMedian);
    expect(duration.judge.canarySamples).to.be.at.least(10);
    expect(st.metrics.find((m: any) => m.name === 'request-success-rate')).to.include({ result: 'pass' });
    expect(await deploymentImage(slower, 'podinfo-primary')).to.equal(OLD);
  });

  it('promotes a canary that behaves exactly like the primary', async () => {
    const st = await outcome[equal];
    const events = await canaryEvents(equal);
    expect(st.phase, events.join('\n')).to.equal('Succeeded');
    expect(await deploymentImage(equal, 'podinfo-primary')).to.equal(NEW);
    // It was judged, not waved through: the last comparison passed on enough samples.
    const duration = st.metrics.find((m: any) => m.name === 'request-duration');
    expect(duration.judge).to.include({ classification: 'pass' });
    expect(duration.judge.canarySamples).to.be.at.least(10);
  });
});
