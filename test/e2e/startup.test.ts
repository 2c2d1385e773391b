// Start-up of the operator process (`sluice run`) when it cannot start: the error names what is
// wrong. Needs no cluster: the operator fails before it talks to one.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/cluster.js';

/** A kubeconfig for an apiserver that is never reached. */
function unreachableKubeconfig(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sluice-startup-')), 'kubeconfig');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: c, context: {cluster: c, user: u}}]',
      'current-context: c',
      '',
    ].join('\n'),
  );
  return file;
}

function runOperator(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/sluice.js'), 'run'], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sluice run did not exit:\n${output}`));
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('e2e: operator start-up failures', function () {
  this.timeout(90_000);
  let busy: Server;
  let port: number;

  before(async () => {
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    port = (busy.address() as { port: number }).port;
  });
  after(() => new Promise<void>((r) => busy.close(() => r())));

  it('a metrics port already in use is an error that names the port, not a crash', async () => {
    const { code, output } = await runOperator({
      KUBECONFIG: unreachableKubeconfig(),
      SLUICE_PORT: String(port),
      SLUICE_WEBHOOKS: 'false',
      SLUICE_LOG_LEVEL: 'info',
    });
    expect(code).to.equal(1);
    expect(output).to.not.include('Cannot read properties of null');
    expect(output).to.match(new RegExp(`EADDRINUSE[^\\n]*127\\.0\\.0\\.1:${port}`));
  });
});
