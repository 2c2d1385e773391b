// Chaos: the kube-apiserver stopped in the middle of a rollout and started again a few seconds
// later with the same command line (etcd keeps the state). The operator's watches fail; its
// informers must restart with backoff and pick up where they were, and the rollout must complete
// with each step once. Afterwards a new revision must be seen from the (restored) watch, and the
// rest of the control plane (controllers, scheduler, kwok, traffic generator) must be healthy.
import { expect } from 'chai';
import { clusterEnv, waitFor } from '../support/cluster.js';
import { startOperator, createApp, podinfoCanary, setImage, deploymentImage, type OperatorProcess } from '../e2e/support/rollout.js';
import { CanaryWatch, eventRecords, notSaidOnce, showEvents, say, secs } from './support/canary.js';
import { apiserverReady, startComponent, stopComponent, waitClusterHealthy, type Launch } from './support/components.js';
import { chaosSuiteHooks, restartWhatWasStopped } from './support/suite.js';

const run = `${process.pid % 10000}`;
const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1';
const DOWN_MS = 8_000;

describe('chaos: kube-apiserver restarted mid-rollout', function () {
  this.timeout(10 * 60_000);
  const ns = `chaos-apiserver-${run}`;
  let operator: OperatorProcess | undefined;
  let watch: CanaryWatch | undefined;

  chaosSuiteHooks({
    cleanupMs: 240_000,
    steps: {
      watch: () => watch?.close(),
      'restart what the test stopped': async () => {
        await restartWhatWasStopped();
        await waitFor(() => apiserverReady(), 120_000, { what: 'apiserver /readyz' });
      },
      operator: () => operator?.kill('SIGTERM'),
    },
    namespaces: () => [ns],
    healthMs: 180_000,
  });

  it('watches recover, the rollout completes once, and the control plane is healthy again', async () => {
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
          threshold: 3,
          stepWeight: 10,
          maxWeight: 30,
          metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '10s' }],
        },
      }),
    });
    await watch.until((s) => s.phase === 'Initialized', 120_000, 'Initialized');
    await setImage(ns, NEW);
    const at = await watch.until((s) => s.phase === 'Progressing' && s.weight === 10, 120_000, 'weight 10');
    await waitFor(async () => (await eventRecords(ns)).some((e) => e.message === `Advance ${t} canary weight 10`), 10_000, {
      what: 'the Event of weight 10',
      intervalMs: 50,
    });

    const logBefore = operator.logs().length;
    const stopAt = Date.now();
    // SIGTERM: it stops listening at once, then drains long-running requests (watches) for longer
    // than a test wants to wait; it gets SIGKILL after 5 s.
    const launch: Launch = await stopComponent('kube-apiserver', 'SIGTERM', 5_000);
    const stoppedMs = Date.now() - stopAt;
    expect(await apiserverReady()).to.equal(false);
    say(
      `kube-apiserver stopped (SIGTERM${stoppedMs >= 5_000 ? ', SIGKILL after 5 s of draining' : ''}; gone ${secs(stoppedMs)} after the SIGTERM) at ${at.phase}/${at.weight}, ${secs(stopAt - t0)} into the test`,
    );
    await new Promise((r) => setTimeout(r, DOWN_MS));
    const startAt = Date.now();
    await startComponent(launch);
    await waitFor(() => apiserverReady(), 120_000, { what: 'apiserver /readyz', intervalMs: 200 });
    const readyAt = Date.now();
    say(`kube-apiserver started again with the same command line: /readyz ok in ${secs(readyAt - startAt)}; API down ${secs(readyAt - stopAt)} in all`);

    // The operator's informers fail and restart with backoff; the next status write shows it is back.
    const frozen = Number(at.resourceVersion);
    const next = await watch.until((s) => Number(s.resourceVersion) > frozen && s.wall > readyAt, 120_000, 'a status write after the restart');
    say(`first status write after /readyz: ${next.phase}/${next.weight}, ${secs(next.wall - readyAt)} later`);
    const end = await watch.until((s) => ['Succeeded', 'Failed'].includes(s.phase), 180_000, 'the rollout to end');
    say(`statuses: ${watch.describe()}`);
    say(`rollout ${end.phase} ${secs(end.wall - readyAt)} after /readyz, ${secs(Date.now() - t0)} after the start`);
    expect(end.phase).to.equal('Succeeded');
    const path = watch.lines
      .map((s) => `${s.phase}/${s.weight}`)
      .filter((p, i, a) => i === 0 || p !== a[i - 1])
      .filter((p) => p.startsWith('Progressing'));
    expect(path).to.deep.equal([0, 10, 20, 30].map((w) => `Progressing/${w}`));
    expect(await deploymentImage(ns, 'podinfo-primary')).to.equal(NEW);

    const events = await eventRecords(ns);
    say(`Events: ${showEvents(events)}`);
    expect(notSaidOnce(events, ns), showEvents(events)).to.deep.equal([]);

    const log = operator
      .logs()
      .slice(logBefore)
      .split('\n')
      .filter((l) => l.includes('watch failed, restarting in'));
    const informers = new Set(log.map((l) => JSON.parse(l).informer));
    const delays = log.map((l) => JSON.parse(l).delayMs as number);
    say(`informer restarts logged: ${log.length} (${informers.size} informers; backoff delays up to ${Math.max(0, ...delays)} ms)`);
    expect(informers.size, 'every informer of the controller noticed and restarted').to.be.greaterThan(0);

    // The watches are live again: a new revision is seen from the watch (not a poll) at once.
    const from = watch.lines.length;
    const setAt = Date.now();
    await setImage(ns, 'ghcr.io/stefanprodan/podinfo:6.0.2');
    const again = await watch.until((s) => watch!.lines.indexOf(s) >= from && s.phase === 'Progressing', 30_000, 'the next rollout to start');
    say(`a new revision after the restart: Progressing ${secs(again.wall - setAt)} after kubectl set image`);
    expect(again.wall - setAt).to.be.below(5_000);

    // The rest of the control plane is back too: every process, /readyz, a Ready node, Prometheus
    // scraping, and the traffic generator's watches.
    const healthyMs = await waitClusterHealthy(120_000);
    const routes: any = await (await fetch(`${clusterEnv()!.SLUICE_TRAFFIC_URL}/debug/routes`)).json();
    const broken = Object.entries(routes.watches)
      .filter(([, ok]) => !ok)
      .map(([k]) => k);
    say(
      `cluster healthy (${secs(healthyMs)} to confirm); traffic generator watches ok: ${Object.keys(routes.watches).length - broken.length}/${Object.keys(routes.watches).length}`,
    );
    expect(broken, 'traffic generator watches down').to.deep.equal([]);
  });
});
