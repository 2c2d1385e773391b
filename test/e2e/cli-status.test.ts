// `sluice status` against the local control plane: a Canary whose status is written through the
// status subresource (kubectl patch --subresource=status) and an Event about it, read back by
// the real command line as a user would run it. The Canary is suspended, so an operator another
// test runs leaves its status alone. The pure rendering is checked first, without a cluster.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureCluster, kubectl, clusterEnv, repoRoot, waitFor } from '../support/cluster.js';
import { age, canaryTable, metricsTable, thresholdText, weightBar } from '../../src/cli/status.js';
import type { Canary } from '../../src/api/types.js';

const NS = `e2e-status-${Date.now().toString(36)}`;

function canary(name: string, status?: Canary['status']): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name, namespace: NS },
    spec: {
      suspend: true,
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      service: { port: 9898 },
      analysis: {
        interval: '30s',
        threshold: 5,
        maxWeight: 50,
        stepWeight: 10,
        metrics: [
          { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' },
          { name: 'request-duration', thresholdRange: { max: 500 }, interval: '30s' },
        ],
      },
    },
    ...(status ? { status } : {}),
  };
}

/** Runs `sluice ...` with the cluster's kubeconfig; resolves with stdout, stderr and the exit code. */
function sluice(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(repoRoot, 'bin/sluice.js'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, KUBECONFIG: clusterEnv()!.KUBECONFIG },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('sluice status rendering', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  it('prints the kubectl get canaries columns', () => {
    const lines = canaryTable([
      canary('b', { phase: 'Progressing', canaryWeight: 20, failedChecks: 1, lastTransitionTime: '2026-01-01T11:59:00Z' }),
      canary('a'),
    ]);
    expect(lines).to.deep.equal([
      'NAME   STATUS        WEIGHT   FAILEDCHECKS   LASTTRANSITIONTIME',
      'a                    0        0',
      'b      Progressing   20       1              2026-01-01T11:59:00Z',
    ]);
  });
  it('draws the weight against maxWeight, and thresholds and ages as people read them', () => {
    expect(weightBar(canary('a', { canaryWeight: 20 }), 10)).to.equal('[##...|.....] 20% of max 50%');
    expect(weightBar(canary('a', { canaryWeight: 0 }), 4)).to.equal('[..|..] 0% of max 50%');
    expect(thresholdText({ min: 99 })).to.equal('>= 99');
    expect(thresholdText({ max: 500 })).to.equal('<= 500');
    expect(thresholdText({ min: 1, max: 2.5 })).to.equal('1 .. 2.5');
    expect(age('2026-01-01T11:59:15Z', now)).to.equal('45s');
    expect(age('2026-01-01T09:00:00Z', now)).to.equal('3h');
    expect(
      metricsTable([{ name: 'request-duration', result: 'fail', value: 612.3456, max: 500, checkedAt: '2026-01-01T11:59:50Z', message: 'too slow' }], now),
    ).to.deep.equal([
      '  METRIC             VALUE     THRESHOLD   RESULT   CHECKED   MESSAGE',
      '  request-duration   612.346   <= 500      fail     10s ago   too slow',
    ]);
  });
});

describe('sluice status against the local control plane (e2e)', function () {
  this.timeout(2 * 60_000);

  before(async function () {
    this.timeout(50 * 60_000);
    await ensureCluster();
    await kubectl(['create', 'namespace', NS]);
    const objects = [canary('podinfo'), canary('backend')];
    await kubectl(['apply', '-f', '-'], { input: objects.map((o) => JSON.stringify(o)).join('\n') });
    const checkedAt = new Date(Date.now() - 20_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const status = {
      status: {
        phase: 'Progressing',
        canaryWeight: 30,
        failedChecks: 2,
        iterations: 0,
        lastTransitionTime: '2026-01-01T12:00:00Z',
        conditions: [
          {
            type: 'Promoted',
            status: 'Unknown',
            reason: 'Progressing',
            message: 'New revision detected, progressing canary analysis.',
            lastUpdateTime: '2026-01-01T12:00:00Z',
            lastTransitionTime: '2026-01-01T12:00:00Z',
          },
        ],
        metrics: [
          { name: 'request-success-rate', result: 'pass', value: 99.87, min: 99, checkedAt },
          { name: 'request-duration', result: 'fail', value: 612, max: 500, checkedAt, message: 'request-duration 612 > 500' },
        ],
      },
    };
    await kubectl(['-n', NS, 'patch', 'canary', 'podinfo', '--subresource=status', '--type=merge', '-p', JSON.stringify(status)]);
    await kubectl([
      '-n',
      NS,
      'patch',
      'canary',
      'backend',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { phase: 'Succeeded', canaryWeight: 0, failedChecks: 0, lastTransitionTime: '2026-01-01T11:00:00Z' } }),
    ]);
    const uid = (await kubectl(['-n', NS, 'get', 'canary', 'podinfo', '-o', 'jsonpath={.metadata.uid}'])).trim();
    const ts = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const event = (name: string, type: string, message: string) => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: NS },
      involvedObject: { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: 'podinfo', namespace: NS, uid },
      type,
      reason: 'Synced',
      message,
      count: 1,
      firstTimestamp: ts,
      lastTimestamp: ts,
      source: { component: 'sluice' },
    });
    await kubectl(['apply', '-f', '-'], {
      input: [
        event('podinfo.e2e1', 'Normal', 'Advance podinfo.test canary weight 30'),
        event('podinfo.e2e2', 'Warning', 'Halt podinfo.test advancement request duration 612ms > 500ms'),
      ]
        .map((o) => JSON.stringify(o))
        .join('\n'),
    });
  });

  after(async function () {
    this.timeout(60_000);
    await kubectl(['delete', 'namespace', NS, '--wait=false']).catch(() => undefined);
  });

  it('lists the canaries of a namespace like kubectl get canaries', async () => {
    const out = await sluice(['status', '-n', NS]);
    expect(out.code, out.stderr).to.equal(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines[0].split(/\s{2,}/)).to.deep.equal(['NAME', 'STATUS', 'WEIGHT', 'FAILEDCHECKS', 'LASTTRANSITIONTIME']);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/))).to.deep.equal([
      ['backend', 'Succeeded', '0', '0', '2026-01-01T11:00:00Z'],
      ['podinfo', 'Progressing', '30', '2', '2026-01-01T12:00:00Z'],
    ]);
    // The same rows as kubectl's own printer columns.
    const kubectlOut = await kubectl([
      '-n',
      NS,
      'get',
      'canaries',
      '--no-headers',
      '-o',
      'custom-columns=N:.metadata.name,S:.status.phase,W:.status.canaryWeight',
    ]);
    expect(
      kubectlOut
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)),
    ).to.deep.equal([
      ['backend', 'Succeeded', '0'],
      ['podinfo', 'Progressing', '30'],
    ]);
  });

  it('shows one canary with its weight, metric values against thresholds, and last events', async () => {
    const out = await sluice(['status', 'podinfo', '-n', NS]);
    expect(out.code, out.stderr).to.equal(0);
    const text = out.stdout;
    expect(text).to.match(/^podinfo\s+Progressing\s+30\s+2\s+2026-01-01T12:00:00Z$/m);
    expect(text).to.include('Traffic:  [############........|....................] 30% of max 50%');
    expect(text).to.match(/Promoted: Unknown \(Progressing\) New revision detected/);
    expect(text).to.match(/^\s+request-success-rate\s+99\.87\s+>= 99\s+pass\s+\d+s ago\s*$/m);
    expect(text).to.match(/^\s+request-duration\s+612\s+<= 500\s+fail\s+\d+s ago\s+request-duration 612 > 500$/m);
    expect(text).to.match(/^\s+\d+s\s+Normal\s+Synced\s+Advance podinfo\.test canary weight 30$/m);
    expect(text).to.match(/^\s+\d+s\s+Warning\s+Synced\s+Halt podinfo\.test advancement request duration 612ms > 500ms$/m);
  });

  it('exits 1 for a canary that does not exist', async () => {
    const out = await sluice(['status', 'nope', '-n', NS]);
    expect(out.code).to.equal(1);
    expect(out.stdout).to.include(`canary nope not found in namespace ${NS}`);
  });

  it('--watch redraws with the weight bar as the status moves', async function () {
    this.timeout(90_000);
    const p = spawn(process.execPath, [join(repoRoot, 'bin/sluice.js'), 'status', '-n', NS, '--watch', '--interval', '300ms'], {
      cwd: repoRoot,
      env: { ...process.env, KUBECONFIG: clusterEnv()!.KUBECONFIG },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    p.stdout.on('data', (d) => (stdout += d));
    try {
      const at30 = /podinfo\s+Progressing\s+30\s+.*\[######\.\.\.\.\|\.\.\.\.\.\.\.\.\.\.\] 30% of max 50%/;
      const at40 = /podinfo\s+Progressing\s+40\s+.*\[########\.\.\|\.\.\.\.\.\.\.\.\.\.\] 40% of max 50%/;
      await waitFor(() => at30.test(stdout), 60_000, { what: 'the first frame' });
      expect(stdout).to.include('PROGRESS');
      await kubectl(['-n', NS, 'patch', 'canary', 'podinfo', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { canaryWeight: 40 } })]);
      await waitFor(() => at40.test(stdout), 20_000, { what: 'a redrawn frame at weight 40' });
    } finally {
      p.kill('SIGINT');
    }
  });

  it('with -A lists every namespace, with a NAMESPACE column', async () => {
    const out = await sluice(['status', '-A']);
    expect(out.code, out.stderr).to.equal(0);
    expect(out.stdout.split('\n')[0]).to.match(/^NAMESPACE\s+NAME\s+STATUS/);
    expect(out.stdout).to.match(new RegExp(`^${NS}\\s+podinfo\\s+Progressing`, 'm'));
  });
});
