// The operator process across a restart and a Canary deletion (issue #14): a restarted operator
// records no Event again (the status outbox holds only what was not recorded), and deleting a
// Canary is not an error in the log.
import { expect } from 'chai';
import { ensureCluster, kubectl, kubectlJson, waitFor } from '../support/cluster.js';
import { HoldingWebhook } from '../chaos/support/hold-webhook.js';
import {
  startOperator,
  createApp,
  podinfoCanary,
  waitForPhase,
  canaryEvents,
  setImage,
  deleteNamespace,
  FAST,
  type OperatorProcess,
} from './support/rollout.js';

const run = `${process.pid % 10000}`;
const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1';

const canary = (ns: string) =>
  podinfoCanary(ns, {
    provider: 'osm',
    analysis: {
      interval: FAST.interval,
      threshold: 5,
      stepWeight: 25,
      maxWeight: 50,
      metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: FAST.metricInterval }],
    },
  });

/** The operator's JSON log lines from `offset` on (characters), parsed. */
function logLines(op: OperatorProcess, offset = 0): { level?: string; msg?: string; [k: string]: unknown }[] {
  return op
    .logs()
    .slice(offset)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

describe('e2e: operator restart and Canary deletion', function () {
  this.timeout(10 * 60_000);
  const ns = `e2e-restart-${run}`;
  const operators: OperatorProcess[] = [];

  before(async function () {
    this.timeout(60 * 60_000);
    await ensureCluster();
    operators.push(await startOperator());
    await createApp({ namespace: ns, canary: canary(ns) });
    await waitForPhase(ns, ['Initialized'], 180_000);
  });

  after(async function () {
    if (this.currentTest?.state === 'failed' || process.env.SLUICE_KEEP_LOGS) console.log(`operator logs: ${operators.map((o) => o.logFile).join(' ')}`);
    for (const op of operators) await op.kill('SIGTERM');
    if (!process.env.SLUICE_KEEP_NAMESPACES) await deleteNamespace(ns);
  });

  it('the outbox of Events is empty once they are recorded', async () => {
    await waitFor(async () => (await kubectlJson(['-n', ns, 'get', 'canary', 'podinfo'])).status.pendingEvents === undefined, 20_000, {
      what: 'status.pendingEvents emptied',
      intervalMs: 250,
    });
    expect(await canaryEvents(ns)).to.include(`Initialization done! podinfo.${ns}`);
  });

  it('a restarted operator records no old Event again, even when the Events are gone', async () => {
    await kubectl(['-n', ns, 'delete', 'events', '--all']);
    await operators[0].kill('SIGTERM');
    const restarted = await startOperator();
    operators.push(restarted);
    // The restarted operator works on the Canary: a new revision is picked up.
    await setImage(ns, NEW);
    await waitFor(async () => (await canaryEvents(ns)).includes(`New revision detected! Scaling up podinfo.${ns}`), 60_000, {
      what: 'the new revision detected by the restarted operator',
      intervalMs: 500,
    });
    const events = await canaryEvents(ns);
    expect(events, events.join('\n')).to.not.include(`Initialization done! podinfo.${ns}`);
    expect(restarted.logs()).to.not.include('recording Events lost by a previous process');
    await waitForPhase(ns, ['Succeeded', 'Failed'], 180_000);
  });

  it('deleting the Canary logs no error (a deletion is not a failure)', async () => {
    const op = operators[operators.length - 1];
    const offset = op.logs().length;
    await kubectl(['-n', ns, 'delete', 'canary', 'podinfo']);
    // The garbage collector deletes what Sluice generated; their watch events come back to the controller.
    await waitFor(async () => (await kubectl(['-n', ns, 'get', 'deployments,services', '-o', 'name'])).trim() === 'deployment.apps/podinfo', 60_000, {
      what: 'the generated objects garbage-collected',
      intervalMs: 500,
    });
    await new Promise((r) => setTimeout(r, 5_000));
    const bad = logLines(op, offset).filter((l) => l.level === 'error' || (l.level === 'warn' && /404|NotFound/.test(JSON.stringify(l))));
    expect(
      bad.map((l) => l.msg),
      JSON.stringify(bad, null, 1),
    ).to.deep.equal([]);
  });

  it('a Canary deleted while its status write is in flight: no error either (the write finds it gone)', async () => {
    const gone = `e2e-gone-${run}`;
    const op = operators[operators.length - 1];
    await createApp({ namespace: gone, canary: canary(gone) });
    await waitForPhase(gone, ['Initialized'], 120_000);
    // Hold the status write of the next step (the new revision), delete the Canary, then let it go on.
    const hold = await HoldingWebhook.start({
      name: `e2e-hold-status-${run}`,
      namespace: gone,
      rules: [{ apiGroups: ['flagger.app'], apiVersions: ['v1beta1'], resources: ['canaries/status'], operations: ['UPDATE'], scope: 'Namespaced' }],
      matchConditions: [{ name: 'progressing', expression: "has(object.status) && has(object.status.phase) && object.status.phase == 'Progressing'" }],
    });
    try {
      await new Promise((r) => setTimeout(r, 3_000)); // the apiserver loads the configuration
      const offset = op.logs().length;
      await setImage(gone, NEW);
      await hold.waitHeld(60_000);
      await kubectl(['-n', gone, 'delete', 'canary', 'podinfo', '--wait=false']);
      await waitFor(async () => !(await kubectl(['-n', gone, 'get', 'canaries', '-o', 'name'])).trim(), 30_000, { what: 'the Canary gone', intervalMs: 250 });
      hold.release(true);
      await new Promise((r) => setTimeout(r, 5_000));
      const lines = logLines(op, offset);
      expect(
        lines.some((l) => /deleted meanwhile/.test(String(l.msg))),
        'the held write found the Canary gone',
      ).to.equal(true);
      const bad = lines.filter((l) => l.level === 'error' || (l.level === 'warn' && /404|NotFound/.test(JSON.stringify(l))));
      expect(
        bad.map((l) => l.msg),
        JSON.stringify(bad, null, 1),
      ).to.deep.equal([]);
    } finally {
      await hold.remove();
      if (!process.env.SLUICE_KEEP_NAMESPACES) await deleteNamespace(gone);
    }
  });
});
