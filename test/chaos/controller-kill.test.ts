// Chaos: the controller SIGKILLed during a rollout and started again.
//
// 1. At every phase boundary of one rollout (Initializing, Progressing at weight 0, after weight
//    10, after weight 30, Promoting, Finalising), each time right after the step is recorded:
//    the rollout must go through the same phases and weights, and say the same Events the same
//    number of times, as a reference rollout run at the same time by an operator never killed.
// 2. Inside a step, at two exact points held open by an admission webhook (support/hold-webhook.ts):
//    after the routing objects are applied but before the status is written, and after the status
//    is written but before its Event is recorded. All rollout state lives in the Canary's status,
//    so neither kill may lose a step or do one twice.
import { expect } from 'chai';
import { kubectl, kubectlJson, waitFor } from '../support/cluster.js';
import {
  startOperator,
  createApp,
  podinfoCanary,
  setImage,
  canaryStatus,
  deploymentImage,
  deploymentReplicas,
  type OperatorProcess,
} from '../e2e/support/rollout.js';
import { CanaryWatch, eventRecords, stepEvents, timesSaid, notSaidOnce, showEvents, say, secs, type EventRecord, type StatusLine } from './support/canary.js';
import { HoldingWebhook } from './support/hold-webhook.js';
import { chaosSuiteHooks } from './support/suite.js';

const run = `${process.pid % 10000}`;
const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1';
const analysis = {
  interval: '3s',
  threshold: 3,
  stepWeight: 10,
  maxWeight: 30,
  metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '10s' }],
};

describe('chaos: controller SIGKILLed during a rollout', function () {
  this.timeout(10 * 60_000);
  const operators: (OperatorProcess | undefined)[] = [];
  const namespaces: string[] = [];
  const watches: CanaryWatch[] = [];
  const hooks: HoldingWebhook[] = [];

  chaosSuiteHooks({
    cleanupMs: 120_000,
    steps: {
      watches: () => watches.forEach((w) => w.close()),
      operators: () => Promise.all(operators.map((o) => o?.kill('SIGTERM'))),
      webhooks: () => Promise.all(hooks.map((h) => h.remove())),
    },
    namespaces: () => namespaces,
  });

  /**
   * An operator watching `ns` alone and an Initialized linkerd Canary there. `restart()` starts a
   * new operator in place of the current one (after a kill; cleanup stops whichever runs last).
   */
  async function initializedCanary(ns: string): Promise<{ first: OperatorProcess; watch: CanaryWatch; restart: () => Promise<OperatorProcess> }> {
    namespaces.push(ns);
    const start = () => startOperator({ SLUICE_NAMESPACE: ns });
    const first = await start();
    const slot = operators.push(first) - 1;
    const watch = new CanaryWatch(ns);
    watches.push(watch);
    await createApp({ namespace: ns, canary: podinfoCanary(ns, { provider: 'linkerd', analysis }) });
    await watch.until((s) => s.phase === 'Initialized', 120_000, 'Initialized');
    return { first, watch, restart: async () => (operators[slot] = await start()) };
  }

  it('at each phase boundary: ends Succeeded like an uninterrupted rollout, each step and Event once, the primary on the new image', async () => {
    const t0 = Date.now();
    const ns = `chaos-kill-${run}`;
    const refNs = `chaos-kill-ref-${run}`;
    namespaces.push(ns, refNs);
    // Each operator watches only its own namespace; the reference is never killed.
    const start = () => startOperator({ SLUICE_NAMESPACE: ns });
    const [first, reference] = await Promise.all([start(), startOperator({ SLUICE_NAMESPACE: refNs, SLUICE_WEBHOOKS: 'false' })]);
    let operator = first;
    operators.push(reference);
    const slot = operators.push(operator) - 1;
    const watch = new CanaryWatch(ns);
    const refWatch = new CanaryWatch(refNs);
    watches.push(watch, refWatch);
    const t = `podinfo.${ns}`;

    /** Waits for the boundary (and the step's Event), SIGKILLs the controller, starts it again, waits until it writes again. */
    const killAt = async (at: string, pred: (s: StatusLine) => boolean, event?: string) => {
      const s = await watch.until(pred, 120_000, at);
      if (event) await waitFor(async () => timesSaid(await eventRecords(ns), event) > 0, 10_000, { what: `Event "${event}"`, intervalMs: 50 });
      await operator.kill('SIGKILL');
      const killed = Date.now();
      const atKill = watch.latest()!;
      const frozen = Number(atKill.resourceVersion);
      operator = await start();
      operators[slot] = operator;
      const restartMs = Date.now() - killed;
      if (['Initialized', 'Succeeded'].includes(atKill.phase)) {
        // Initializing can last ~0.1 s: the controller may write Initialized before the kill lands
        // (seen once in CI). Then the kill hit an idle Canary, and a restart has nothing to write.
        say(
          `SIGKILL ${killed - s.wall} ms after status ${s.phase}/${s.weight} (${at}), but the controller had written ${atKill.phase} first; ` +
            `operator up again in ${secs(restartMs)}, nothing to resume`,
        );
        return;
      }
      const next = await watch.until((x) => Number(x.resourceVersion) > frozen, 120_000, `the first status write after the restart at ${at}`);
      say(
        `SIGKILL ${killed - s.wall} ms after status ${s.phase}/${s.weight} (${at}); operator up again in ${secs(restartMs)}; ` +
          `next status ${next.phase}/${next.weight} ${secs(next.wall - killed)} after the kill`,
      );
    };

    await Promise.all([
      createApp({ namespace: ns, canary: podinfoCanary(ns, { provider: 'linkerd', analysis }) }),
      createApp({ namespace: refNs, canary: podinfoCanary(refNs, { provider: 'linkerd', analysis }) }),
    ]);
    await killAt('Initializing', (s) => s.phase === 'Initializing');
    await Promise.all([
      watch.until((s) => s.phase === 'Initialized', 120_000, 'Initialized'),
      refWatch.until((s) => s.phase === 'Initialized', 120_000, 'reference Initialized'),
    ]);

    await Promise.all([setImage(ns, NEW), setImage(refNs, NEW)]);
    await killAt('Progressing, weight 0 (new revision)', (s) => s.phase === 'Progressing', `New revision detected! Scaling up ${t}`);
    await killAt('weight 10', (s) => s.phase === 'Progressing' && s.weight === 10, `Advance ${t} canary weight 10`);
    await killAt('weight 30', (s) => s.phase === 'Progressing' && s.weight === 30, `Advance ${t} canary weight 30`);
    await killAt('Promoting', (s) => s.phase === 'Promoting', `Copying ${t} template spec to podinfo-primary.${ns}`);
    await killAt('Finalising', (s) => s.phase === 'Finalising', 'Routing all traffic to primary');
    const end = await watch.until((s) => ['Succeeded', 'Failed'].includes(s.phase), 180_000, 'Succeeded');
    const refEnd = await refWatch.until((s) => ['Succeeded', 'Failed'].includes(s.phase), 180_000, 'reference Succeeded');
    say(`statuses (killed 6x): ${watch.describe()}`);
    say(`statuses (reference): ${refWatch.describe()}`);
    say(`rollout ${end.phase} ${secs(Date.now() - t0)} after the start; reference ${refEnd.phase}`);
    expect(end.phase, watch.describe()).to.equal('Succeeded');
    expect(refEnd.phase, refWatch.describe()).to.equal('Succeeded');

    // The same path of phases and weights as the reference (repeats of one status collapsed).
    const path = (w: CanaryWatch) => w.lines.map((s) => `${s.phase || '-'}/${s.weight}`).filter((p, i, a) => i === 0 || p !== a[i - 1]);
    expect(path(watch), 'phases and weights').to.deep.equal(path(refWatch));
    say(`phase/weight path identical to the reference: ${path(watch).join(' -> ')}`);

    const events = await eventRecords(ns);
    const refEvents = await eventRecords(refNs);
    say(`Events: ${showEvents(events)}`);
    expect(notSaidOnce(events, ns), showEvents(events)).to.deep.equal([]);
    // Step Events (readiness waits depend on timing) and their counts are those of the reference.
    const norm = (list: EventRecord[], n: string) => stepEvents(list).map((e) => `${e.message.split(n).join('<ns>')} x${e.count}`);
    expect(norm(events, ns)).to.deep.equal(norm(refEvents, refNs));
    say(`${norm(events, ns).length} step Events, each once, identical to the reference's`);

    expect(await deploymentImage(ns, 'podinfo-primary')).to.equal(NEW);
    expect(await deploymentReplicas(ns, 'podinfo')).to.equal(0);
    say(`podinfo-primary runs ${NEW}; podinfo scaled to 0`);
  });

  it('inside a step (held by an admission webhook): after the routes before the status, after the status before its Event', async () => {
    const t0 = Date.now();
    const ns = `chaos-kill-step-${run}`;
    const t = `podinfo.${ns}`;
    const app = await initializedCanary(ns);
    const { watch } = app;
    let operator = app.first;

    // A: the status write of the step to weight 10. B: the Event of the step to weight 20.
    const holdStatus = await HoldingWebhook.start({
      name: `chaos-hold-status-${run}`,
      namespace: ns,
      rules: [{ apiGroups: ['flagger.app'], apiVersions: ['v1beta1'], resources: ['canaries/status'], operations: ['UPDATE'], scope: 'Namespaced' }],
      matchConditions: [
        {
          name: 'step-to-weight-10',
          expression:
            'has(object.status) && has(object.status.canaryWeight) && object.status.canaryWeight == 10 && ' +
            '!(has(oldObject.status) && has(oldObject.status.canaryWeight) && oldObject.status.canaryWeight == 10)',
        },
      ],
    });
    hooks.push(holdStatus);
    const holdEvent = await HoldingWebhook.start({
      name: `chaos-hold-event-${run}`,
      namespace: ns,
      rules: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['events'], operations: ['CREATE'], scope: 'Namespaced' }],
      matchConditions: [{ name: 'advance-to-20', expression: `object.message == 'Advance ${t} canary weight 20'` }],
    });
    hooks.push(holdEvent);
    // Give the apiserver time to load both configurations before the rollout reaches them.
    await new Promise((r) => setTimeout(r, 3_000));
    await setImage(ns, NEW);

    const restart = async () => {
      const killed = Date.now();
      operator = await app.restart();
      return Date.now() - killed;
    };

    // A
    await holdStatus.waitHeld(120_000);
    const split = await kubectlJson<any>(['-n', ns, 'get', 'trafficsplits.split.smi-spec.io', 'podinfo']);
    const canaryBackend = split.spec.backends.find((b: any) => b.service === 'podinfo-canary');
    await operator.kill('SIGKILL');
    holdStatus.release(false);
    await holdStatus.remove();
    const stA = await canaryStatus(ns);
    say(
      `A: status write of the step to weight 10 held; TrafficSplit already at canary weight ${canaryBackend?.weight}; SIGKILL; write refused; stored weight ${stA.canaryWeight}`,
    );
    expect(String(canaryBackend?.weight), 'routes are applied before the status').to.match(/^10(\b|$)/);
    expect(stA.canaryWeight, 'the refused status write did not happen').to.equal(0);
    const restartA = await restart();
    const redo = await watch.until((s) => s.weight === 10, 120_000, 'weight 10 after the restart');
    say(`A: operator up again in ${secs(restartA)}; the step to weight 10 redone from the stored status (${redo.phase}/${redo.weight})`);

    // B
    await holdEvent.waitHeld(120_000);
    const stB = await canaryStatus(ns);
    await operator.kill('SIGKILL');
    holdEvent.release(false);
    await holdEvent.remove();
    say(`B: Event "Advance ${t} canary weight 20" held with the status already at ${stB.phase}/${stB.canaryWeight}; SIGKILL; Event refused`);
    expect(stB.canaryWeight, 'the status is written before the Events').to.equal(20);
    const restartB = await restart();
    say(`B: operator up again in ${secs(restartB)}`);

    const end = await watch.until((s) => ['Succeeded', 'Failed'].includes(s.phase), 180_000, 'Succeeded');
    say(`statuses: ${watch.describe()}`);
    say(`rollout ${end.phase} ${secs(Date.now() - t0)} after the start`);
    expect(end.phase).to.equal('Succeeded');
    const path = watch.lines.map((s) => `${s.phase || '-'}/${s.weight}`).filter((p, i, a) => i === 0 || p !== a[i - 1]);
    expect(
      path.filter((p) => p.startsWith('Progressing/')),
      'weights',
    ).to.deep.equal(['Progressing/0', 'Progressing/10', 'Progressing/20', 'Progressing/30']);
    expect(await deploymentImage(ns, 'podinfo-primary')).to.equal(NEW);

    const events = await eventRecords(ns);
    say(`Events: ${showEvents(events)}`);
    const wrong = notSaidOnce(events, ns);
    if (wrong.length) say(`NOT said exactly once: ${wrong.join('; ')}`);
    expect(wrong, 'every step said exactly once despite the kills').to.deep.equal([]);
  });

  it('after a restart, an idle Canary is left alone as before the kill: no API writes', async () => {
    const ns = `chaos-kill-idle-${run}`;
    const app = await initializedCanary(ns);
    const operator = app.first;
    // Every write to the kinds Sluice generates for this Canary, whoever makes it.
    const writes = await HoldingWebhook.start({
      name: `chaos-count-writes-${run}`,
      namespace: ns,
      hold: false,
      rules: [
        { apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' },
        { apiGroups: [''], apiVersions: ['v1'], resources: ['services'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' },
        { apiGroups: ['split.smi-spec.io'], apiVersions: ['*'], resources: ['trafficsplits'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' },
      ],
    });
    hooks.push(writes);
    await new Promise((r) => setTimeout(r, 3_000)); // the apiserver loads the configuration
    // An idle Canary is looked at on every watch event of its namespace (and every 5 min): a new,
    // unrelated ConfigMap makes the controller reconcile it without anything to do.
    let pokes = 0;
    const window = async (n: number) => {
      const from = writes.seen.length;
      for (let i = 0; i < n; i++) {
        await kubectl(['-n', ns, 'create', 'configmap', `chaos-poke-${++pokes}`]);
        await new Promise((r) => setTimeout(r, 2_000));
      }
      return writes.seen.slice(from).map((w) => `${w.operation} ${w.kind}/${w.name} by ${w.user}`);
    };
    const POKES = 3;
    const before = await window(POKES);
    say(`idle, uninterrupted operator: ${before.length} writes over ${POKES} reconciles${before.length ? `: ${before.join('; ')}` : ''}`);

    await operator.kill('SIGKILL');
    await app.restart();
    // The first tick after a start waits for the caches of the routing kinds (here the
    // TrafficSplit) and compares: a restart alone writes nothing either.
    const settleFrom = writes.seen.length;
    await new Promise((r) => setTimeout(r, 3_000));
    const settle = writes.seen.slice(settleFrom).map((w) => `${w.operation} ${w.kind}/${w.name}`);
    say(`first tick after the restart: ${settle.length} writes (${[...new Set(settle)].join('; ') || 'none'})`);
    const after = await window(POKES);
    const distinct = [...new Set(after)];
    say(
      `idle, after SIGKILL, restart and a first tick: ${after.length} writes over the next ${POKES} reconciles${after.length ? ` (${distinct.join('; ')})` : ''}`,
    );
    expect(before, 'writes by the uninterrupted operator while idle').to.deep.equal([]);
    expect(settle, 'writes by the restarted operator on its first tick').to.deep.equal([]);
    expect(after, 'writes by the restarted operator while idle (a tick that changes nothing writes nothing)').to.deep.equal([]);
  });
});
