import { expect } from 'chai';
import { WorkQueue } from '../../../src/controller/work-queue.js';
import { statusPatch, isSubsetOf } from '../../../src/controller/status-patch.js';
import { microTime, leaseExpired } from '../../../src/controller/leader.js';
import { statusValue } from '../../../src/controller/metrics.js';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('work queue', () => {
  it('never runs one key twice at once, and reruns a key added while it ran', async () => {
    let running = 0,
      maxRunning = 0,
      runs = 0;
    const q = new WorkQueue(async () => {
      running++;
      runs++;
      maxRunning = Math.max(maxRunning, running);
      await tick(20);
      running--;
    }, 4);
    q.add('a');
    await tick(2);
    q.add('a');
    q.add('a');
    await tick(80);
    expect(maxRunning).to.equal(1);
    expect(runs).to.equal(2);
    await q.shutdown();
  });

  it('runs different keys concurrently up to the limit', async () => {
    let running = 0,
      maxRunning = 0;
    const q = new WorkQueue(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await tick(20);
      running--;
    }, 2);
    for (const k of ['a', 'b', 'c', 'd']) q.add(k);
    await tick(100);
    expect(maxRunning).to.equal(2);
    await q.shutdown();
  });

  it('a delayed add keeps the earliest due time', async () => {
    const seen: number[] = [];
    const start = Date.now();
    const q = new WorkQueue(async () => {
      seen.push(Date.now() - start);
    }, 1);
    q.addAfter('a', 200);
    q.addAfter('a', 20);
    q.addAfter('a', 300);
    await tick(120);
    expect(seen).to.have.length(1);
    expect(seen[0]).to.be.below(150);
    await q.shutdown();
  });

  it('shutdown waits for in-flight work and drops the rest', async () => {
    let done = 0;
    const q = new WorkQueue(async () => {
      await tick(30);
      done++;
    }, 1);
    q.add('a');
    q.add('b');
    await tick(5);
    await q.shutdown();
    expect(done).to.equal(1);
  });
});

describe('status patch', () => {
  it('sends nothing when nothing changed, whatever the key order', () => {
    expect(statusPatch({ phase: 'Progressing', canaryWeight: 5 }, { canaryWeight: 5, phase: 'Progressing' })).to.equal(undefined);
  });
  it('sends changed keys and nulls removed ones', () => {
    expect(statusPatch({ phase: 'Progressing', canaryWeight: 5, mirrored: true }, { phase: 'Progressing', canaryWeight: 10 })).to.deep.equal({
      canaryWeight: 10,
      mirrored: null,
    });
  });
});

describe('no-op apply detection', () => {
  it('a desired object contained in the live one needs no apply', () => {
    const desired = { spec: { ports: [{ port: 80, targetPort: 9898 }] }, metadata: { labels: { app: 'x' } } };
    const live = { spec: { ports: [{ port: 80, targetPort: '9898', protocol: 'TCP' }], clusterIP: '10.0.0.1' }, metadata: { labels: { app: 'x' }, uid: 'u' } };
    expect(isSubsetOf(desired, live)).to.equal(true);
  });
  it('a changed value or a changed list length needs an apply', () => {
    expect(isSubsetOf({ a: { w: 10 } }, { a: { w: 5 } })).to.equal(false);
    expect(isSubsetOf({ l: [1, 2] }, { l: [1, 2, 3] })).to.equal(false);
    expect(isSubsetOf({ b: true }, { b: 'true' })).to.equal(false);
  });
});

describe('leader election helpers', () => {
  it('MicroTime has six fractional digits', () => {
    expect(microTime(Date.parse('2026-01-01T00:00:00.123Z'))).to.equal('2026-01-01T00:00:00.123000Z');
  });
  it('a lease expires after its duration since the last renewal', () => {
    const spec = { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: '2026-01-01T00:00:00.000000Z' };
    expect(leaseExpired(spec, Date.parse('2026-01-01T00:00:14Z'))).to.equal(false);
    expect(leaseExpired(spec, Date.parse('2026-01-01T00:00:16Z'))).to.equal(true);
    expect(leaseExpired({}, 0)).to.equal(true);
  });
});

describe('flagger_canary_status', () => {
  it('is 0 while progressing, 2 when failed, 1 otherwise', () => {
    expect(['Progressing', 'Failed', 'Succeeded', 'Initialized'].map(statusValue)).to.deep.equal([0, 2, 1, 1]);
  });
});
