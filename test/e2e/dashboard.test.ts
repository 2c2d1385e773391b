// `sluice dashboard` against the local control plane, in Debian's Chromium driven by
// playwright-core (no browser is downloaded). A suspended Canary's status is written through the
// status subresource, as the controller would, so nothing but this test moves it: the list page
// shows the phase and weight change without a reload (Server-Sent Events from the watches), the
// Canary page draws its charts and Events, and "Pause", confirmed, writes the CLI's annotation. A
// second dashboard runs as a user whose Role may read Canaries but not patch them, and its page
// says the action was refused. Screenshots of both pages go to test-results/dashboard/.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureCluster, kubectl, kubectlJson, clusterEnv, repoRoot, waitFor } from '../support/cluster.js';

const NS = `e2e-dash-${Date.now().toString(36)}`;
const ARTIFACTS = join(repoRoot, 'test-results', 'dashboard');
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const canary = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: NS },
  spec: {
    suspend: true,
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    service: { port: 9898 },
    analysis: {
      interval: '30s',
      threshold: 5,
      maxWeight: 50,
      stepWeight: 10,
      metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' }],
    },
  },
};

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

async function setStatus(phase: string, canaryWeight: number, value: number): Promise<void> {
  const at = now();
  const status = {
    phase,
    canaryWeight,
    failedChecks: 0,
    lastTransitionTime: at,
    conditions: [
      {
        type: 'Promoted',
        status: 'Unknown',
        reason: 'Progressing',
        message: 'New revision detected, progressing canary analysis.',
        lastUpdateTime: at,
        lastTransitionTime: at,
      },
    ],
    metrics: [{ name: 'request-success-rate', result: value >= 99 ? 'pass' : 'fail', value, min: 99, checkedAt: at }],
  };
  await kubectl(['-n', NS, 'patch', 'canary', 'podinfo', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
}

async function recordEvent(uid: string, type: string, message: string): Promise<void> {
  const at = now();
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `podinfo.${Math.random().toString(36).slice(2)}`, namespace: NS },
    involvedObject: { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: 'podinfo', namespace: NS, uid },
    type,
    reason: 'Synced',
    message,
    count: 1,
    firstTimestamp: at,
    lastTimestamp: at,
    source: { component: 'sluice' },
  };
  await kubectl(['apply', '-f', '-'], { input: JSON.stringify(event) });
}

/** Starts `sluice dashboard` on a free port; resolves with its URL once it listens. */
function startDashboard(kubeconfig: string): Promise<{ url: string; process: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [join(repoRoot, 'bin/sluice.js'), 'dashboard', '-n', NS, '--port', '0'], {
    cwd: repoRoot,
    env: { ...process.env, KUBECONFIG: kubeconfig },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d;
      const m = /sluice dashboard: (http:\/\/\S+)/.exec(output);
      if (m) resolve({ url: m[1], process: child, output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`sluice dashboard exited ${code}:\n${output}`)));
  });
}

/** A kubeconfig for a ServiceAccount that may read Canaries and Events in NS, and write nothing. */
async function readOnlyKubeconfig(): Promise<string> {
  await kubectl(['-n', NS, 'create', 'serviceaccount', 'viewer']);
  await kubectl([
    '-n',
    NS,
    'create',
    'role',
    'canary-viewer',
    '--verb=get,list,watch',
    '--resource=canaries.flagger.app,events,deployments.apps,services,horizontalpodautoscalers.autoscaling',
  ]);
  await kubectl(['-n', NS, 'create', 'rolebinding', 'canary-viewer', '--role=canary-viewer', `--serviceaccount=${NS}:viewer`]);
  // The apiserver's RBAC authorizer learns of a new binding from its own watch: wait until it has,
  // or the dashboard's first list is refused and its watch retries with backoff.
  await waitFor(
    async () => (await kubectl(['-n', NS, 'auth', 'can-i', 'watch', 'events', `--as=system:serviceaccount:${NS}:viewer`]).catch(() => 'no')).trim() === 'yes',
    30_000,
    { what: 'the viewer Role in force' },
  );
  const token = (await kubectl(['-n', NS, 'create', 'token', 'viewer', '--duration=1h'])).trim();
  const admin = await kubectlJson<{ clusters: { cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string } }[] }>([
    'config',
    'view',
    '--raw',
    '--minify',
  ]);
  const cluster = admin.clusters[0].cluster;
  const file = join(tmpdir(), `${NS}-viewer.kubeconfig`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'viewer',
      clusters: [{ name: 'local', cluster }],
      users: [{ name: 'viewer', user: { token } }],
      contexts: [{ name: 'viewer', context: { cluster: 'local', user: 'viewer', namespace: NS } }],
    }),
    { mode: 0o600 },
  );
  return file;
}

describe('sluice dashboard in Chromium against the local control plane (e2e)', function () {
  this.timeout(3 * 60_000);
  let browser: Browser;
  let page: Page;
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  let uid: string;

  before(async function () {
    this.timeout(50 * 60_000);
    await ensureCluster();
    mkdirSync(ARTIFACTS, { recursive: true });
    await kubectl(['create', 'namespace', NS]);
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(canary) });
    uid = (await kubectl(['-n', NS, 'get', 'canary', 'podinfo', '-o', 'jsonpath={.metadata.uid}'])).trim();
    await recordEvent(uid, 'Normal', `New revision detected! Scaling up podinfo.${NS}`);
    await recordEvent(uid, 'Normal', `Advance podinfo.${NS} canary weight 10`);
    await setStatus('Progressing', 10, 99.8);
    dashboard = await startDashboard(clusterEnv()!.KUBECONFIG);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  });

  after(async function () {
    this.timeout(60_000);
    await browser?.close().catch(() => undefined);
    dashboard?.process.kill('SIGTERM');
    await kubectl(['delete', 'namespace', NS, '--wait=false']).catch(() => undefined);
  });

  it("shows a Canary's phase and weight change on the list page without a reload", async () => {
    await page.goto(dashboard.url);
    const row = page.locator(`tr[data-canary="${NS}/podinfo"]`);
    await row.locator('.phase', { hasText: 'Progressing' }).waitFor();
    expect(await row.locator('.bar-text').textContent()).to.equal('10% of max 50%');
    // A mark on the window survives only if the page is never loaded again.
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    await recordEvent(uid, 'Normal', `Advance podinfo.${NS} canary weight 20`);
    await setStatus('Promoting', 20, 99.9);
    await row.locator('.phase', { hasText: 'Promoting' }).waitFor({ timeout: 20_000 });
    expect(await row.locator('.bar-text').textContent()).to.equal('20% of max 50%');
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).to.equal(true);
    await page.locator('#phase').selectOption('Failed');
    expect(await page.locator('td.empty').textContent()).to.equal('No canary matches the filters.');
    await page.locator('#phase').selectOption('');
    await page.screenshot({ path: join(ARTIFACTS, 'list.png'), fullPage: true });
  });

  it('opens the Canary page with its weight timeline, metric chart, Events as text and conditions', async () => {
    await page.locator(`tr[data-canary="${NS}/podinfo"] a`).click();
    await page.waitForURL(/\/canary\?/);
    await page.locator('#connection', { hasText: 'Live' }).waitFor();
    await page.locator('#weight-chart figcaption', { hasText: 'now 20%' }).waitFor();
    expect(await page.locator('canvas').count()).to.equal(2);
    const hostile = `Halt podinfo.${NS} advancement <img src=x onerror="window.injected=1"> 97% < 99%`;
    await recordEvent(uid, 'Warning', hostile);
    await page.locator('#events tr.warning td', { hasText: '<img src=x' }).waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => (window as unknown as { injected?: number }).injected)).to.equal(undefined);
    expect(await page.locator('#events img').count()).to.equal(0);
    expect(await page.locator('#conditions td').first().textContent()).to.equal('Promoted');
    const caption = await page.locator('#metric-charts figcaption').first().textContent();
    expect(caption).to.match(/^request-success-rate: accepted at least 99; \d+ checks/);
    await page.screenshot({ path: join(ARTIFACTS, 'canary.png'), fullPage: true });
  });

  it("pauses the Canary after confirmation: the CLI's annotation is in the apiserver and the page follows", async () => {
    await page.locator('button[data-verb="pause"]').click();
    const dialog = page.locator('dialog#confirm');
    expect(await dialog.locator('#confirm-text').textContent()).to.equal(
      `Pause canary ${NS}/podinfo? Pause the analysis where it is (no step, no check) until resumed?`,
    );
    // Cancel writes nothing.
    await dialog.locator('button[value="cancel"]').click();
    const before = await kubectlJson<{ metadata: { annotations?: Record<string, string> } }>(['-n', NS, 'get', 'canary', 'podinfo']);
    expect(before.metadata.annotations?.['sluice.dev/paused']).to.equal(undefined);
    await page.locator('button[data-verb="pause"]').click();
    await dialog.locator('#confirm-ok').click();
    await page.locator('#action-result.ok', { hasText: `pause requested for canary ${NS}/podinfo` }).waitFor();
    const paused = await waitFor(
      async () => {
        const c = await kubectlJson<{ metadata: { annotations?: Record<string, string> } }>(['-n', NS, 'get', 'canary', 'podinfo']);
        return c.metadata.annotations?.['sluice.dev/paused'] === 'true';
      },
      10_000,
      { what: 'the sluice.dev/paused annotation' },
    );
    expect(paused).to.equal(true);
    // The watch brings the annotation back to the page: Pause is done, Resume is what is left.
    await page.locator('button[data-verb="pause"][disabled]').waitFor({ timeout: 20_000 });
    expect(await page.locator('button[data-verb="resume"]').isDisabled()).to.equal(false);
  });

  it("says so when the user's RBAC refuses an action, and writes nothing", async function () {
    // A second `sluice dashboard` starts here (through tsx in a checkout): slow on a loaded machine.
    this.timeout(5 * 60_000);
    const viewer = await startDashboard(await readOnlyKubeconfig());
    try {
      const viewerPage = await browser.newPage();
      await viewerPage.goto(`${viewer.url}canary?namespace=${NS}&name=podinfo`);
      await viewerPage.locator('#connection', { hasText: 'Live' }).waitFor();
      await viewerPage.locator('button[data-verb="abort"]').click();
      await viewerPage.locator('#confirm-ok').click();
      const refusal = viewerPage.locator('#action-result.error[role="alert"]');
      await refusal.waitFor();
      expect(await refusal.textContent()).to.match(
        new RegExp(
          `^Not allowed: your Kubernetes user may not patch canaries\\.flagger\\.app in namespace ${NS} \\(abort needs it\\)\\. .*cannot patch resource "canaries"`,
        ),
      );
      const c = await kubectlJson<{ metadata: { annotations?: Record<string, string> } }>(['-n', NS, 'get', 'canary', 'podinfo']);
      expect(c.metadata.annotations?.['sluice.dev/abort']).to.equal(undefined);
    } finally {
      viewer.process.kill('SIGTERM');
    }
  });

  it('answers only to localhost and takes actions only as JSON from its own origin', async () => {
    const base = new URL(dashboard.url);
    const send = (init: { method?: string; headers?: Record<string, string>; body?: string }, path = '/') =>
      new Promise<number>((resolve, reject) => {
        // node:http lets the test set Host, which fetch() does not.
        import('node:http').then(({ request }) => {
          const req = request({ host: base.hostname, port: base.port, path, method: init.method ?? 'GET', headers: init.headers }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end(init.body);
        }, reject);
      });
    expect(await send({ headers: { Host: 'attacker.example:80' } })).to.equal(421);
    const body = JSON.stringify({ namespace: NS, name: 'podinfo', verb: 'abort' });
    expect(await send({ method: 'POST', headers: { 'Content-Type': 'text/plain' }, body }, '/api/canary/action')).to.equal(403);
    expect(
      await send({ method: 'POST', headers: { 'Content-Type': 'application/json', Origin: 'http://attacker.example' }, body }, '/api/canary/action'),
    ).to.equal(403);
    expect(
      await send(
        { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ namespace: NS, name: 'podinfo', verb: 'delete' }) },
        '/api/canary/action',
      ),
    ).to.equal(400);
    const c = await kubectlJson<{ metadata: { annotations?: Record<string, string> } }>(['-n', NS, 'get', 'canary', 'podinfo']);
    expect(c.metadata.annotations?.['sluice.dev/abort']).to.equal(undefined);
  });
});
