// Rollout life-cycle on the local control plane: a change mid-analysis restarts it, a ConfigMap
// change alone starts a rollout, going back to the primary's image starts none, and a controller
// SIGKILLed in the middle of a rollout finishes it after a restart, with no step done twice.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { ensureCluster, kubectl, waitFor, clusterEnv } from '../support/cluster.js';
import {
  startOperator,
  createApp,
  podinfoCanary,
  waitForPhase,
  canaryEvents,
  canaryStatus,
  setImage,
  deploymentImage,
  deleteNamespace,
  FAST,
  type OperatorProcess,
} from './support/rollout.js';

const run = `${process.pid % 10000}`;
const metrics = [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: FAST.metricInterval }];

describe('e2e: rollout life-cycle', function () {
  this.timeout(10 * 60_000);
  let operator: OperatorProcess | undefined;
  const namespaces: string[] = [];

  before(async function () {
    this.timeout(60 * 60_000);
    await ensureCluster();
    operator = await startOperator();
  });
  after(async () => {
    await operator?.kill('SIGTERM');
    if (!process.env.SLUICE_KEEP_NAMESPACES) await Promise.all(namespaces.map(deleteNamespace));
  });

  async function app(name: string, analysis: Record<string, unknown>, withConfig = false): Promise<string> {
    const ns = `e2e-${name}-${run}`;
    namespaces.push(ns);
    const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'podinfo-config', namespace: ns }, data: { color: 'blue' } };
    await createApp({
      namespace: ns,
      canary: podinfoCanary(ns, { provider: 'linkerd', analysis: { interval: FAST.interval, threshold: 3, metrics, ...analysis } }),
      // The target reads the ConfigMap from its first revision: a `kubectl set env` after creation
      // is a second revision, which can start a rollout before the test sees Initialized.
      ...(withConfig ? { extra: [config], envFromConfigMap: 'podinfo-config' } : {}),
    });
    await waitForPhase(ns, ['Initialized'], 180_000);
    return ns;
  }

  it('a change in the middle of an analysis restarts it, and the newest revision is promoted', async () => {
    const ns = await app('restart', { stepWeight: 10, maxWeight: 50 });
    await setImage(ns, 'ghcr.io/stefanprodan/podinfo:6.0.1');
    await waitFor(async () => ((await canaryStatus(ns)).canaryWeight ?? 0) >= 20, 120_000, { what: 'weight 20' });
    await setImage(ns, 'ghcr.io/stefanprodan/podinfo:6.0.2');
    await waitForPhase(ns, ['Succeeded', 'Failed'], 240_000);
    const events = await canaryEvents(ns);
    expect(events).to.include(`New revision detected! Restarting analysis for podinfo.${ns}`);
    expect(await deploymentImage(ns, 'podinfo-primary')).to.equal('ghcr.io/stefanprodan/podinfo:6.0.2');
  });

  it('a ConfigMap change alone starts a rollout, and the primary gets a -primary copy', async () => {
    const ns = await app('config', { stepWeight: 25, maxWeight: 50 }, true);
    const copy = JSON.parse(await kubectl(['-n', ns, 'get', 'configmap', 'podinfo-config-primary', '-o', 'json']));
    expect(copy.data).to.deep.equal({ color: 'blue' });
    await kubectl(['-n', ns, 'patch', 'configmap', 'podinfo-config', '--type=merge', '-p', '{"data":{"color":"green"}}']);
    await waitFor(async () => (await canaryEvents(ns)).includes(`New revision detected! Scaling up podinfo.${ns}`), 60_000, {
      what: 'rollout from a ConfigMap change',
    });
    await waitForPhase(ns, ['Succeeded'], 240_000);
    const promoted = JSON.parse(await kubectl(['-n', ns, 'get', 'configmap', 'podinfo-config-primary', '-o', 'json']));
    expect(promoted.data).to.deep.equal({ color: 'green' });
  });

  it("going back to the primary's image after a failed rollout starts none", async () => {
    const ns = await app('revert', { stepWeight: 10, maxWeight: 50, threshold: 1 });
    await setImage(ns, 'ghcr.io/stefanprodan/podinfo:6.0.1', { SLUICE_SIM_ERROR_RATE: '0.5' });
    await waitForPhase(ns, ['Failed'], 240_000);
    const before = (await canaryEvents(ns)).length;
    // Revision 1 is the template the primary runs.
    await kubectl(['-n', ns, 'rollout', 'undo', 'deployment/podinfo', '--to-revision=1']);
    await new Promise((r) => setTimeout(r, 8_000));
    const events = (await canaryEvents(ns)).slice(before);
    expect(
      events.filter((e) => e.startsWith('New revision detected')),
      events.join('\n'),
    ).to.deep.equal([]);
    expect((await canaryStatus(ns)).phase).to.equal('Failed');
  });

  it('revertOnDeletion: deleting the Canary hands the workload back (target scaled up, apex Service kept and re-pointed)', async () => {
    const ns = `e2e-revert-delete-${run}`;
    namespaces.push(ns);
    await createApp({
      namespace: ns,
      canary: podinfoCanary(ns, { provider: 'linkerd', revertOnDeletion: true, analysis: { interval: FAST.interval, stepWeight: 10, maxWeight: 50, metrics } }),
    });
    await waitForPhase(ns, ['Initialized'], 180_000);
    const finalizers = JSON.parse(await kubectl(['-n', ns, 'get', 'canary', 'podinfo', '-o', 'jsonpath={.metadata.finalizers}']));
    expect(finalizers).to.include('finalizer.flagger.app');
    await kubectl(['-n', ns, 'delete', 'canary', 'podinfo', '--wait=true', '--timeout=90s']);
    const events = await kubectl(['-n', ns, 'get', 'events', '-o', 'jsonpath={.items[*].message}']);
    expect(events).to.include(`Terminating canary podinfo.${ns}`);
    expect(events).to.include(`Terminated canary podinfo.${ns}`);
    const target = JSON.parse(await kubectl(['-n', ns, 'get', 'deployment', 'podinfo', '-o', 'json']));
    expect(target.spec.replicas).to.equal(2);
    expect(target.status.availableReplicas).to.equal(2);
    await new Promise((r) => setTimeout(r, 3_000)); // give the garbage collector its chance
    const apex = JSON.parse(await kubectl(['-n', ns, 'get', 'service', 'podinfo', '-o', 'json']));
    expect(apex.spec.selector).to.deep.equal({ app: 'podinfo' });
    expect(apex.metadata.ownerReferences ?? []).to.deep.equal([]);
  });

  it('pause, resume, abort, retry and promote through the CLI, without touching the spec', async () => {
    // Many small steps: the abort must land while the canary is still progressing, even when the
    // CLI takes seconds to start on a busy machine (at 10..50 it promoted before the abort arrived).
    const ns = await app('control', { stepWeight: 5, maxWeight: 95 });
    const sluice = (...args: string[]) =>
      new Promise<string>((resolve, reject) => {
        const p = spawn(process.execPath, ['bin/sluice.js', ...args, '-n', ns], { env: { ...process.env, KUBECONFIG: clusterEnv()!.KUBECONFIG } });
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (out += d));
        p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`sluice ${args.join(' ')}: ${out}`))));
      });
    const generation = JSON.parse(await kubectl(['-n', ns, 'get', 'canary', 'podinfo', '-o', 'json'])).metadata.generation;
    await setImage(ns, 'ghcr.io/stefanprodan/podinfo:6.0.1');
    await waitFor(async () => ((await canaryStatus(ns)).canaryWeight ?? 0) >= 10, 120_000, { what: 'weight 10' });
    await sluice('pause', 'podinfo');
    await new Promise((r) => setTimeout(r, 2_500));
    const held = (await canaryStatus(ns)).canaryWeight;
    await new Promise((r) => setTimeout(r, 6_000));
    expect((await canaryStatus(ns)).canaryWeight, 'weight while paused').to.equal(held);
    await sluice('resume', 'podinfo');
    await waitFor(async () => (await canaryStatus(ns)).canaryWeight > held, 120_000, { what: 'an advance after resume' });
    await sluice('abort', 'podinfo');
    // Generous bounds: this checks what the commands do, not how fast a loaded machine does it.
    await waitForPhase(ns, ['Failed'], 120_000);
    expect((await canaryEvents(ns)).some((e) => e.startsWith(`Rolling back podinfo.${ns} aborted by `))).to.equal(true);
    await sluice('retry', 'podinfo');
    await waitForPhase(ns, ['Progressing'], 120_000);
    await sluice('promote', 'podinfo');
    await waitForPhase(ns, ['Succeeded'], 120_000);
    expect(await deploymentImage(ns, 'podinfo-primary')).to.equal('ghcr.io/stefanprodan/podinfo:6.0.1');
    const after = JSON.parse(await kubectl(['-n', ns, 'get', 'canary', 'podinfo', '-o', 'json']));
    expect(after.metadata.generation, 'the spec was never edited').to.equal(generation);
  });

  it('a controller SIGKILLed mid-rollout finishes it after a restart, with no step done twice', async () => {
    const ns = await app('kill', { stepWeight: 10, maxWeight: 50 });
    await setImage(ns, 'ghcr.io/stefanprodan/podinfo:6.0.1');
    await waitFor(async () => ((await canaryStatus(ns)).canaryWeight ?? 0) >= 20, 120_000, { what: 'weight 20' });
    await operator!.kill('SIGKILL');
    const frozen = await canaryStatus(ns);
    await new Promise((r) => setTimeout(r, 5_000));
    expect((await canaryStatus(ns)).canaryWeight).to.equal(frozen.canaryWeight);
    operator = await startOperator();
    await waitForPhase(ns, ['Succeeded', 'Failed'], 240_000);
    const events = await canaryEvents(ns);
    const advances = events.filter((e) => e.startsWith('Advance'));
    expect(advances).to.deep.equal([10, 20, 30, 40, 50].map((w) => `Advance podinfo.${ns} canary weight ${w}`));
    expect((await canaryStatus(ns)).phase).to.equal('Succeeded');
  });
});
