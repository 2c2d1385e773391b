// The README's first command, `npm start` without KUBECONFIG: the demo starts (here: reuses) the local
// control plane, runs the operator, applies podinfo and its Canary, sets a new image and prints the
// rollout to its promotion. Run as a user would pipe it: no terminal, so no ANSI codes in the output.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureCluster, repoRoot } from '../support/cluster.js';

describe('e2e: npm start without KUBECONFIG (the demo)', function () {
  this.timeout(10 * 60_000);

  before(async function () {
    this.timeout(60 * 60_000);
    await ensureCluster();
  });

  it('promotes podinfo to the new image, prints the Events, exits 0 with --exit, and writes no ANSI codes to a pipe', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.KUBECONFIG;
    delete env.KUBERNETES_SERVICE_HOST;
    delete env.CI;
    let out = '';
    const child = spawn(process.execPath, [join(repoRoot, 'bin/sluice.js'), 'run', '--exit'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, out.slice(-4000)).to.equal(0);
    expect(out).to.include('[demo] rollout Succeeded');
    expect(out).to.include('[demo] primary now runs ghcr.io/stefanprodan/podinfo:6.0.1');
    expect(out).to.match(/Promotion completed! Scaling down podinfo\.demo/);
    expect(out).to.not.include('\x1b[');
  });
});
