// `sluice run` with the read-only rollout page on, as a process against a scripted apiserver
// (empty lists, held-open watches, access reviews): the operator starts whatever the page's
// watches do, says once what the page lacks, and stops on SIGTERM with the page still starting.
// A process, not startOperator in this one: an operator that waited on the page would never
// return a handle to stop it, and its listeners would keep mocha from exiting.
// Webhooks and leader election are off here (they need a real apiserver); the controller starts,
// its caches synced, as in a cluster.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  forbidden,
  kubeConfigFor,
  listAnswer,
  reviewAnswer,
  startListingApiserver,
  until,
  type ListingApiserver,
  type ReviewedAccess,
} from '../kube/local-server.js';
import { OPERATOR_EVENTS_GRANT } from '../../../src/operator/run.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

interface Operator {
  readonly process: ChildProcess;
  /** The JSON log lines so far. */
  readonly lines: { level: string; msg: string; component?: string }[];
  readonly exited: Promise<number | null>;
}

/** `sluice run` against `api`, without webhooks or leader election, the page on `pagePort`. */
function runOperator(api: ListingApiserver, pagePort: number): Operator {
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'sluice-run-')), 'kubeconfig');
  writeFileSync(kubeconfig, kubeConfigFor(api.server).exportConfig());
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig, SLUICE_WEBHOOKS: 'false', SLUICE_LEADER_ELECT: 'false', SLUICE_PORT: '0' };
  env.SLUICE_DASHBOARD_PORT = String(pagePort);
  env.SLUICE_LOG_LEVEL = 'info';
  delete env.KUBERNETES_SERVICE_HOST;
  const child = spawn(process.execPath, ['bin/sluice.js', 'run'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Operator['lines'] = [];
  let rest = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = rest + chunk.toString('utf8');
    const complete = text.split('\n');
    rest = complete.pop() ?? '';
    for (const line of complete) if (line.startsWith('{')) lines.push(JSON.parse(line));
  });
  child.stderr!.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, lines, exited };
}

const logged = (operator: Operator, msg: string | RegExp) => operator.lines.some((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg)));
const eventRequests = (api: ListingApiserver) => api.seen.filter((r) => r.endsWith('/events'));

describe('sluice run with the read-only rollout page', function () {
  // Each test starts the operator as a process (through tsx in a checkout): seconds on a busy 2-core machine.
  this.timeout(90_000);
  let api: ListingApiserver | undefined;
  let operator: Operator | undefined;
  afterEach(async () => {
    if (operator && operator.process.exitCode === null) {
      operator.process.kill('SIGKILL');
      await operator.exited;
    }
    await api?.close();
    operator = api = undefined;
  });

  it("starts the controller while the page's Events watch is refused, and stops on SIGTERM with the page still starting", async () => {
    // The review says yes and the apiserver refuses the list all the same (a Role removed in
    // between, say): the page's Events watch retries, and the page never comes up.
    api = await startListingApiserver({ review: () => reviewAnswer(true), list: (path) => (path.endsWith('/events') ? forbidden('events') : listAnswer()) });
    operator = runOperator(api, await freePort());
    await until(() => logged(operator!, 'controller started'), 60_000);
    await until(() => eventRequests(api!).length > 1, 15_000);
    expect(logged(operator, /^read-only rollout page on/), 'the page is still starting').to.equal(false);

    operator.process.kill('SIGTERM');
    const late = new Promise<string>((r) => setTimeout(() => r('not exited 15 s after SIGTERM'), 15_000).unref());
    expect(await Promise.race([operator.exited, late])).to.equal(0);
    expect(logged(operator, 'stopped'), 'the shutdown ran to its end').to.equal(true);
    expect(operator.lines.filter((l) => l.msg.startsWith('a part did not stop cleanly'))).to.deep.equal([]);
    expect(operator.lines.filter((l) => l.level === 'error')).to.deep.equal([]);
  });

  it('without list and watch of Events: says so once, naming the fix, and serves the page without watching them', async () => {
    api = await startListingApiserver({ review: (a: ReviewedAccess) => reviewAnswer(a.resource !== 'events'), list: () => listAnswer() });
    const pagePort = await freePort();
    operator = runOperator(api, pagePort);
    await until(() => logged(operator!, 'controller started') && logged(operator!, /^read-only rollout page on/), 60_000);
    expect((await fetch(`http://127.0.0.1:${pagePort}/`)).status).to.equal(200);
    expect(api.seen).to.include.members(['REVIEW list events ns=', 'REVIEW watch events ns=']);
    expect(eventRequests(api)).to.deep.equal([]);
    expect(operator.lines.filter((l) => l.level === 'error').map((l) => l.msg)).to.deep.equal([
      "Events unavailable: the operator's ServiceAccount may not list or watch events in every namespace, so the page shows the Canaries without their Events" +
        ` (and their weights only from when it started). ${OPERATOR_EVENTS_GRANT}`,
    ]);
    expect(OPERATOR_EVENTS_GRANT).to.match(/dashboard\.port.*docs\/operations\.md/);
  });
});
