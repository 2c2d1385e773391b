// Chaos: two operator replicas with leader election on the Lease `sluice-leader-election`; the
// leader is SIGKILLed in the middle of a rollout. The standby must take the lease within the
// lease duration (+ one retry period), carry on from the Canary's status, and the rollout must
// complete once: each step done and said once, and never by both replicas.
import { expect } from 'chai';
import { kubectl, kubectlJson, waitFor } from '../support/cluster.js';
import { createApp, podinfoCanary, setImage, deploymentImage, type OperatorProcess } from '../e2e/support/rollout.js';
import { CanaryWatch, eventRecords, notSaidOnce, showEvents, startReplica, say, secs } from './support/canary.js';
import { chaosSuiteHooks } from './support/suite.js';

const run = `${process.pid % 10000}`;
const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1';
const LEASE_MS = 6_000;
const RETRY_MS = Math.max(500, Math.round(LEASE_MS / 6)); // as src/operator/run.ts derives it
const LEASE = 'sluice-leader-election';

interface Lease {
  holder?: string;
  transitions: number;
  renewTime?: string;
}
async function lease(ns: string): Promise<Lease | undefined> {
  try {
    const l = await kubectlJson<any>(['-n', ns, 'get', 'lease', LEASE]);
    return { holder: l.spec?.holderIdentity ?? undefined, transitions: l.spec?.leaseTransitions ?? 0, renewTime: l.spec?.renewTime };
  } catch {
    return undefined;
  }
}

/** JSON log lines of a replica: [time, msg, component]. */
function logLines(op: OperatorProcess): { time: number; msg: string; component?: string }[] {
  return op
    .logs()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        const j = JSON.parse(l);
        return { time: Date.parse(j.time), msg: String(j.msg ?? ''), component: j.component };
      } catch {
        return { time: 0, msg: l };
      }
    });
}

describe('chaos: two replicas, the leader SIGKILLed mid-rollout', function () {
  this.timeout(10 * 60_000);
  const ns = `chaos-ha-${run}`;
  const leaseNs = `chaos-lease-${run}`;
  const replicas: Record<string, OperatorProcess> = {};
  let watch: CanaryWatch | undefined;

  chaosSuiteHooks({
    cleanupMs: 120_000,
    steps: {
      watch: () => watch?.close(),
      replicas: () => Promise.all(Object.values(replicas).map((r) => r.kill('SIGTERM'))),
    },
    namespaces: () => [ns, leaseNs],
  });

  it('the standby takes over within the lease duration and the rollout completes once', async () => {
    const t0 = Date.now();
    await kubectl(['create', 'namespace', leaseNs]);
    const env = (name: string) => ({
      POD_NAME: name,
      SLUICE_NAMESPACE: ns,
      SLUICE_LEADER_ELECTION_NAMESPACE: leaseNs,
      SLUICE_LEASE_DURATION_MS: String(LEASE_MS),
    });
    const [a, b] = await Promise.all([startReplica(env('chaos-replica-a')), startReplica(env('chaos-replica-b'))]);
    replicas['chaos-replica-a'] = a;
    replicas['chaos-replica-b'] = b;
    const first = await waitFor(async () => (await lease(leaseNs))?.holder, 30_000, { what: 'a leader' });
    const leaderName = first!;
    const standbyName = leaderName === 'chaos-replica-a' ? 'chaos-replica-b' : 'chaos-replica-a';
    const leader = replicas[leaderName];
    const standby = replicas[standbyName];
    expect(Object.keys(replicas)).to.include(leaderName);
    await waitFor(() => leader.logs().includes('controller started'), 60_000, { what: "the leader's controller" });
    say(`replicas ${Object.keys(replicas).join(', ')} started; Lease ${leaseNs}/${LEASE} held by ${leaderName} (lease ${LEASE_MS} ms, retry ${RETRY_MS} ms)`);

    watch = new CanaryWatch(ns);
    await createApp({
      namespace: ns,
      canary: podinfoCanary(ns, {
        provider: 'linkerd',
        analysis: {
          interval: '3s',
          threshold: 3,
          stepWeight: 10,
          maxWeight: 50,
          metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '10s' }],
        },
      }),
    });
    await watch.until((s) => s.phase === 'Initialized', 120_000, 'Initialized');
    await setImage(ns, NEW);
    const at = await watch.until((s) => s.phase === 'Progressing' && s.weight === 20, 120_000, 'weight 20');
    await waitFor(async () => (await eventRecords(ns)).some((e) => e.message === `Advance podinfo.${ns} canary weight 20`), 10_000, {
      what: 'the Event of weight 20',
      intervalMs: 50,
    });
    const before = (await lease(leaseNs))!;
    await leader.kill('SIGKILL');
    const killed = Date.now();
    delete replicas[leaderName];
    say(`SIGKILL of the leader ${leaderName} at ${at.phase}/${at.weight}, ${secs(killed - t0)} into the test (lease last renewed ${before.renewTime})`);

    const after = await waitFor(
      async () => {
        const l = await lease(leaseNs);
        return l?.holder === standbyName ? l : undefined;
      },
      60_000,
      { what: `${standbyName} holding the lease`, intervalMs: 100 },
    );
    const takeoverMs = Date.now() - killed;
    const frozen = Number(watch.latest()!.resourceVersion);
    const next = await watch.until((s) => Number(s.resourceVersion) > frozen, 60_000, 'a status write by the new leader');
    const resumedMs = next.wall - killed;
    say(
      `${standbyName} holds the lease ${secs(takeoverMs)} after the kill (transitions ${before.transitions} -> ${after.transitions}); ` +
        `first status write by it ${secs(resumedMs)} after the kill: ${next.phase}/${next.weight}`,
    );
    expect(takeoverMs, 'takeover within lease duration + retry period (+1.5 s for API latency on a busy machine)').to.be.at.most(LEASE_MS + RETRY_MS + 1_500);
    expect(after.transitions).to.equal(before.transitions + 1);

    const end = await watch.until((s) => ['Succeeded', 'Failed'].includes(s.phase), 180_000, 'Succeeded');
    say(`statuses: ${watch.describe()}`);
    say(`rollout ${end.phase} ${secs(Date.now() - t0)} after the start`);
    expect(end.phase).to.equal('Succeeded');
    const path = watch.lines
      .map((s) => `${s.phase}/${s.weight}`)
      .filter((p, i, a) => i === 0 || p !== a[i - 1])
      .filter((p) => p.startsWith('Progressing'));
    expect(path).to.deep.equal([0, 10, 20, 30, 40, 50].map((w) => `Progressing/${w}`));
    expect(await deploymentImage(ns, 'podinfo-primary')).to.equal(NEW);

    const events = await eventRecords(ns);
    say(`Events: ${showEvents(events)}`);
    expect(notSaidOnce(events, ns, [10, 20, 30, 40, 50]), showEvents(events)).to.deep.equal([]);

    // The standby did nothing before it led: no controller line before "became leader", and
    // each step's sentence is in exactly one replica's log.
    const sLines = logLines(standby);
    const became = sLines.find((l) => l.msg === 'became leader');
    expect(became, 'the standby logged "became leader"').to.not.equal(undefined);
    const early = sLines.filter((l) => l.component === 'controller' && l.time < became!.time);
    expect(
      early.map((l) => l.msg),
      'controller lines of the standby before it led',
    ).to.deep.equal([]);
    const steps = [...logLines(leader), ...sLines].filter((l) => /^(Advance|Copying|Promotion completed|Routing all)/.test(l.msg)).map((l) => l.msg);
    expect(steps.length, steps.join('\n')).to.equal(new Set(steps).size);
    const byOld = logLines(leader)
      .filter((l) => l.msg.startsWith('Advance'))
      .map((l) => l.msg.replace(/.* /, ''));
    const byNew = sLines.filter((l) => l.msg.startsWith('Advance')).map((l) => l.msg.replace(/.* /, ''));
    say(
      `weights advanced by ${leaderName}: ${byOld.join(', ')}; by ${standbyName}: ${byNew.join(', ')}; standby idle until it led (${secs(became!.time - killed)} after the kill)`,
    );
  });
});
