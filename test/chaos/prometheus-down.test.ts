// Chaos: Prometheus stopped (SIGKILL) in the middle of an analysis. Fail closed: no advance while
// the metrics cannot be read, failed checks grow by one per interval, the rollout is rolled back
// when they reach the threshold, and nothing is ever promoted on missing data. Then Prometheus
// is started again (same command line, same TSDB) and the same revision, retried with the
// sluice.dev/retry annotation, is promoted: the analysis recovers with its data source.
import { expect } from 'chai';
import { kubectl, promValue, waitFor } from '../support/cluster.js';
import { startOperator, createApp, podinfoCanary, setImage, canaryStatus, deploymentImage, type OperatorProcess } from '../e2e/support/rollout.js';
import { CanaryWatch, eventRecords, showEvents, timesSaid, say, secs } from './support/canary.js';
import { prometheusReady, startComponent, stopComponent, waitClusterHealthy, type Launch } from './support/components.js';
import { chaosSuiteHooks, restartWhatWasStopped } from './support/suite.js';

const run = `${process.pid % 10000}`;
const OLD = 'ghcr.io/stefanprodan/podinfo:6.0.0';
const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1';
const THRESHOLD = 3;

describe('chaos: Prometheus stopped during an analysis', function () {
  this.timeout(10 * 60_000);
  const ns = `chaos-prom-${run}`;
  let operator: OperatorProcess | undefined;
  let watch: CanaryWatch | undefined;
  let stopped: Launch | undefined;

  chaosSuiteHooks({
    cleanupMs: 180_000,
    steps: {
      watch: () => watch?.close(),
      'restart what the test stopped': restartWhatWasStopped,
      operator: () => operator?.kill('SIGTERM'),
    },
    namespaces: () => [ns],
  });

  it('no advance, failed checks grow, rollback at the threshold, no promotion; then recovery', async () => {
    const t0 = Date.now();
    operator = await startOperator({ SLUICE_NAMESPACE: ns });
    watch = new CanaryWatch(ns);
    const t = `podinfo.${ns}`;
    await createApp({
      namespace: ns,
      canary: podinfoCanary(ns, {
        provider: 'linkerd',
        analysis: {
          interval: '3s',
          threshold: THRESHOLD,
          stepWeight: 10,
          maxWeight: 50,
          metrics: [
            { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '10s' },
            { name: 'request-duration', thresholdRange: { max: 500 }, interval: '10s' },
          ],
        },
      }),
    });
    await watch.until((s) => s.phase === 'Initialized', 120_000, 'Initialized');
    await setImage(ns, NEW);
    const at = await watch.until((s) => s.phase === 'Progressing' && s.weight === 20, 120_000, 'weight 20');

    stopped = await stopComponent('prometheus', 'SIGKILL');
    const downAt = Date.now();
    const from = watch.lines.length;
    expect(await prometheusReady()).to.equal(false);
    say(`Prometheus SIGKILLed at ${at.phase}/${at.weight} (${secs(downAt - t0)} into the test)`);

    const failed = await watch.until((s) => s.phase === 'Failed' || s.phase === 'Promoting' || s.phase === 'Succeeded', 120_000, 'a rollback');
    const during = watch.lines.slice(from);
    const stAtFail = await canaryStatus(ns);
    say(`statuses while Prometheus was down: ${during.map((s) => `${s.phase}/${s.weight}/${s.failedChecks}@+${secs(s.wall - downAt)}`).join(' ')}`);
    expect(failed.phase, 'never promoted on missing data').to.equal('Failed');
    // No advance: every status before the rollback keeps the weight it had.
    const before = during.filter((s) => s.phase !== 'Failed');
    expect(
      before.every((s) => s.weight <= at.weight),
      'the weight never grew',
    ).to.equal(true);
    // Failed checks grow one by one up to the threshold (weights >= 20 may have been stepped to once
    // before the first failed query if the kill fell within a step; the counter says the rest).
    const counts = [...new Set(before.map((s) => s.failedChecks))];
    expect(
      counts.filter((c) => c > 0),
      'failed checks',
    ).to.deep.equal([1, 2, 3].slice(0, THRESHOLD));
    say(
      `weight stayed at ${before[before.length - 1]?.weight ?? at.weight}; failed checks ${counts.join(' -> ')}; Failed ${secs(failed.wall - downAt)} after the stop`,
    );

    const events = await eventRecords(ns);
    say(`Events: ${showEvents(events)}`);
    expect(timesSaid(events, `Rolling back ${t} failed checks threshold reached ${THRESHOLD}`)).to.equal(1);
    expect(timesSaid(events, `Canary failed! Scaling down ${t}`)).to.equal(1);
    expect(events.filter((e) => /^(Copying|Promotion completed|Routing all traffic to primary)/.test(e.message)).map((e) => e.message)).to.deep.equal([]);
    // One Warning per failed check says why (Prometheus unreachable), not a vague halt.
    const why = events.filter((e) => e.type === 'Warning' && /Prometheus/.test(e.message));
    expect(
      why.reduce((n, e) => n + e.count, 0),
      'Warnings naming Prometheus, one per failed check',
    ).to.equal(THRESHOLD);
    say(`the failed checks say: ${why.map((e) => `${e.message} (x${e.count})`).join(' | ')}`);
    say(
      `status.metrics at the rollback: ${JSON.stringify((stAtFail.metrics ?? []).map((m: any) => ({ name: m.name, result: m.result, message: m.message })))}`,
    );
    expect(await deploymentImage(ns, 'podinfo-primary'), 'the primary keeps the old version').to.equal(OLD);
    expect(stAtFail.canaryWeight).to.equal(0);

    // Prometheus back: same command line and data directory.
    const restartAt = Date.now();
    await startComponent(stopped);
    stopped = undefined;
    await waitFor(() => prometheusReady(), 120_000, { what: 'Prometheus /-/ready', intervalMs: 200 });
    const readyMs = Date.now() - restartAt;
    await waitFor(async () => (await promValue('up{job="sluice-traffic"}')) === 1, 60_000, {
      what: 'Prometheus scraping the traffic generator',
      intervalMs: 500,
    });
    const healthyMs = await waitClusterHealthy();
    say(
      `Prometheus restarted: ready in ${secs(readyMs)}, scraping again and the cluster healthy ${secs(Date.now() - restartAt)} after the restart (${secs(healthyMs)} for the health check); down ${secs(restartAt - downAt)} in all`,
    );

    // The same revision, retried, is promoted now that the metrics can be read again.
    const retryFrom = watch.lines.length;
    await kubectl(['-n', ns, 'annotate', 'canary', 'podinfo', `sluice.dev/retry=chaos-${run}`]);
    const restarted = await watch.until((s) => watch!.lines.indexOf(s) >= retryFrom && s.phase === 'Progressing', 60_000, 'the retried rollout to start');
    const end = await watch.until(
      (s) => watch!.lines.indexOf(s) > watch!.lines.indexOf(restarted) && ['Succeeded', 'Failed'].includes(s.phase),
      180_000,
      'the retried rollout to end',
    );
    say(
      `retried rollout: ${watch.lines
        .slice(retryFrom)
        .map((s) => `${s.phase}/${s.weight}/${s.failedChecks}`)
        .join(' ')}`,
    );
    expect(end.phase).to.equal('Succeeded');
    expect(await deploymentImage(ns, 'podinfo-primary')).to.equal(NEW);
    say(`after the retry: Succeeded, podinfo-primary runs ${NEW}; ${secs(Date.now() - t0)} in all`);
  });
});
