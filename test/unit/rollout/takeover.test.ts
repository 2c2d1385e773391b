// Taking over Canaries that Flagger left idle (issue #14): a status with Flagger's hashes that
// still describes what runs is kept with Sluice's hashes, without a rollout; a real change,
// before or after the takeover, is analysed as usual.
import { expect } from 'chai';
import { World, osmCanary } from './world.js';
import { adoptedStatus, hasForeignRevision, isSluiceRevision } from '../../../src/rollout/takeover.js';
import type { CanaryStatus } from '../../../src/api/types.js';

/** A value of the form Flagger's ComputeHash returns: rand.SafeEncodeString of a decimal fnv32a. */
const FLAGGER_HASH = '5f7b8c6d94';
/** Flagger's checksum of {color: blue} (Go's json.Marshal, sha256, 8 bytes; see flagger-checksum.test.ts). */
const BLUE = 'f234cb93c08ad64e';
const GREEN = 'b1c0d2a81c6839b3';
const CONFIG = 'configmap/podinfo-config';

const promoted = {
  type: 'Promoted' as const,
  status: 'True' as const,
  reason: 'Succeeded',
  message: 'Canary analysis completed successfully, promotion finished.',
  lastUpdateTime: '2025-11-02T10:00:00Z',
  lastTransitionTime: '2025-11-02T10:00:00Z',
};

/** The status Flagger writes once a promotion finished (pkg/canary/status.go). */
function flaggerStatus(phase: 'Initialized' | 'Succeeded' | 'Failed', trackedConfigs: Record<string, string> = {}): CanaryStatus {
  return {
    phase,
    canaryWeight: 0,
    failedChecks: 0,
    iterations: 0,
    lastAppliedSpec: FLAGGER_HASH,
    lastPromotedSpec: FLAGGER_HASH,
    trackedConfigs,
    lastTransitionTime: '2025-11-02T10:00:00Z',
    conditions: [promoted],
  };
}

/** A World whose primary exists (Flagger made it) and whose Canary carries Flagger's status. */
function leftByFlagger(status: CanaryStatus, sluiceConfigs: Record<string, string> = {}): World {
  const w = new World(osmCanary());
  w.reconcile();
  w.reconcile(); // the primary exists and runs the target's template
  w.events = [];
  w.canary = { ...w.canary, status };
  w.configs = sluiceConfigs;
  return w;
}

describe('takeover of a Canary Flagger left idle', () => {
  it("Succeeded, nothing changed: Sluice's hashes replace Flagger's, no Event, no rollout, phase and condition kept", () => {
    const w = leftByFlagger(flaggerStatus('Succeeded'));
    w.takeover = { primaryRunsTarget: true, flaggerConfigChecksums: {} };
    const d = w.reconcile();
    expect(d.events).to.deep.equal([]);
    expect(d.scaleTarget).to.equal(undefined);
    expect(d.sync).to.deep.equal({ weights: { primary: 100, canary: 0, mirror: false }, primaryFromTarget: false });
    expect(w.status).to.include({ phase: 'Succeeded', lastAppliedSpec: 'rev-podinfo:6.0.0', lastPromotedSpec: 'rev-podinfo:6.0.0' });
    expect(w.status.conditions).to.deep.equal([promoted]);
    w.step();
    expect(w.events).to.deep.equal([]);
  });

  it('after the takeover a new revision is analysed and promoted as usual', () => {
    const w = leftByFlagger(flaggerStatus('Initialized'));
    w.takeover = { primaryRunsTarget: true, flaggerConfigChecksums: {} };
    w.reconcile();
    w.takeover = undefined; // Sluice's own revisions from now on
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    expect(w.events).to.deep.equal(['New revision detected! Scaling up podinfo.test']);
    w.runUntil(['Succeeded']);
    expect(w.primaryImage).to.equal('podinfo:6.0.1');
  });

  it('tracked configs that Flagger recorded with its checksums of the same data are kept', () => {
    const w = leftByFlagger(flaggerStatus('Succeeded', { [CONFIG]: BLUE }), { [CONFIG]: 'sluice-hash-blue' });
    w.takeover = { primaryRunsTarget: true, flaggerConfigChecksums: { [CONFIG]: [BLUE] } };
    const d = w.reconcile();
    expect(d.events).to.deep.equal([]);
    expect(w.status.trackedConfigs).to.deep.equal({ [CONFIG]: 'sluice-hash-blue' });
  });

  it('a config changed while no operator ran is a change: a rollout starts', () => {
    const w = leftByFlagger(flaggerStatus('Succeeded', { [CONFIG]: BLUE }), { [CONFIG]: 'sluice-hash-green' });
    w.takeover = { primaryRunsTarget: true, flaggerConfigChecksums: { [CONFIG]: [GREEN] } };
    w.reconcile();
    expect(w.events).to.deep.equal(['New revision detected! Scaling up podinfo.test']);
    expect(w.status.phase).to.equal('Progressing');
  });

  it('a config the target started (or stopped) using is a change', () => {
    const added = leftByFlagger(flaggerStatus('Succeeded'), { [CONFIG]: 'sluice-hash-blue' });
    added.takeover = { primaryRunsTarget: true, flaggerConfigChecksums: { [CONFIG]: [BLUE] } };
    added.reconcile();
    expect(added.status.phase).to.equal('Progressing');
    const dropped = leftByFlagger(flaggerStatus('Succeeded', { [CONFIG]: BLUE }));
    dropped.takeover = { primaryRunsTarget: true, flaggerConfigChecksums: {} };
    dropped.reconcile();
    expect(dropped.status.phase).to.equal('Progressing');
  });

  it('a target that no longer matches the primary (changed while no operator ran) is analysed', () => {
    const w = leftByFlagger(flaggerStatus('Succeeded'));
    w.takeover = { primaryRunsTarget: false, flaggerConfigChecksums: {} };
    w.reconcile();
    expect(w.events).to.deep.equal(['New revision detected! Scaling up podinfo.test']);
  });

  it("Failed, with the target back on the primary's template: kept as Failed, no rollout", () => {
    const w = leftByFlagger({ ...flaggerStatus('Failed'), lastAppliedSpec: 'x7v5q2b9c' });
    w.takeover = { primaryRunsTarget: true, flaggerConfigChecksums: {} };
    const d = w.reconcile();
    expect(d.events).to.deep.equal([]);
    expect(w.status).to.include({ phase: 'Failed', lastAppliedSpec: 'rev-podinfo:6.0.0', lastPromotedSpec: 'rev-podinfo:6.0.0' });
  });
});

describe("takeover: what counts as Flagger's status", () => {
  const obs = (status: CanaryStatus) => {
    const w = leftByFlagger(status);
    return {
      now: w.now,
      canary: w.canary,
      resolved: {} as never,
      target: w.target,
      targetRevision: '0123456789abcdef',
      trackedConfigs: {},
      gates: {},
      commands: { paused: false },
      takeover: { primaryRunsTarget: true, flaggerConfigChecksums: {} },
    };
  };

  it("Sluice's revisions are 16 hex digits; Flagger's spew hash and pod-template-hash are not", () => {
    expect(isSluiceRevision('0123456789abcdef')).to.equal(true);
    for (const flagger of [FLAGGER_HASH, '7d4b9c8f6', '3141592653']) expect(isSluiceRevision(flagger), flagger).to.equal(false);
    expect(hasForeignRevision({ lastAppliedSpec: FLAGGER_HASH })).to.equal(true);
    expect(hasForeignRevision({ lastAppliedSpec: '0123456789abcdef' })).to.equal(false);
    expect(hasForeignRevision({})).to.equal(false);
  });

  it('a status Sluice wrote is never adopted, whatever the primary runs', () => {
    expect(adoptedStatus(obs({ ...flaggerStatus('Succeeded'), lastAppliedSpec: 'fedcba9876543210', lastPromotedSpec: 'fedcba9876543210' }))).to.equal(
      undefined,
    );
  });

  it('only idle phases are adopted: a rollout under way is restarted by the usual rules', () => {
    for (const phase of ['Progressing', 'WaitingPromotion', 'Promoting', 'Finalising', 'Waiting', 'Initializing'] as const) {
      expect(adoptedStatus(obs({ ...flaggerStatus('Succeeded'), phase })), phase).to.equal(undefined);
    }
    expect(adoptedStatus(obs(flaggerStatus('Initialized')))).to.deep.equal({
      lastAppliedSpec: '0123456789abcdef',
      lastPromotedSpec: '0123456789abcdef',
      trackedConfigs: {},
    });
  });
});
