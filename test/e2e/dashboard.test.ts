// `sluice dashboard` against the local control plane, in Debian's Chromium driven by
// playwright-core (no browser is downloaded). The operator (`sluice run`) rolls a podinfo Canary
// out for real (Istio routing, the traffic generator's metrics): the list page shows it
// progressing, the Canary page shows its weight advance without a reload (Server-Sent Events
// from the watches) and the VirtualService's split as stored, and "Pause", confirmed, writes the
// CLI's annotation. A second, suspended Canary carries a hand-written status (so nothing but this
// test moves it): a hostile Event message stays text, and the judge's comparison is shown beside
// its chart. A dashboard running as a user whose Role may read Canaries but not patch them says
// the action was refused, and the operator's own read-only page (--dashboard-port) has no
// buttons and refuses actions. Screenshots go to test-results/dashboard/.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureCluster, kubectl, kubectlJson, clusterEnv, repoRoot, waitFor } from '../support/cluster.js';
import { createApp, podinfoCanary, setImage, spawnOperator, waitForPhase, FAST, type OperatorProcess } from './support/rollout.js';

const NS = `e2e-dash-${Date.now().toString(36)}`;
const ARTIFACTS = join(repoRoot, 'test-results', 'dashboard');
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const NEW_IMAGE = 'ghcr.io/stefanprodan/podinfo:6.0.1';

/**
 * Rolled out for real: 5 % steps every 10 s up to 50 %, slow enough that the Canary page, opened
 * after the list page saw the first step, still sees several (on a loaded machine a page takes
 * seconds to open).
 */
const live = podinfoCanary(NS, {
  provider: 'istio',
  analysis: {
    interval: '10s',
    threshold: 5,
    stepWeight: 5,
    maxWeight: 50,
    metrics: [
      { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: FAST.metricInterval },
      { name: 'request-duration', thresholdRange: { max: 500 }, interval: FAST.metricInterval },
    ],
  },
});

/** Suspended, so the operator leaves it alone: its status is what this test writes. */
const still = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'still', namespace: NS },
  spec: {
    suspend: true,
    provider: 'istio',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'still' },
    service: { port: 9898 },
    analysis: {
      interval: '30s',
      threshold: 5,
      maxWeight: 50,
      stepWeight: 10,
      metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '5m', sluiceJudge: {} }],
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
    metrics: [
      {
        name: 'request-success-rate',
        result: value >= 99 ? 'pass' : 'fail',
        value,
        min: 99,
        checkedAt: at,
        judge: {
          classification: 'pass',
          canaryMedian: value,
          primaryMedian: 99.9,
          shift: -0.1,
          relativeShift: -0.001,
          pValue: 0.42,
          canarySamples: 30,
          primarySamples: 30,
          message: `canary ${value.toFixed(2)}% vs primary 99.90% (−0.10, p=0.42): no significant difference at 95% confidence`,
        },
      },
    ],
  };
  await kubectl(['-n', NS, 'patch', 'canary', 'still', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
}

async function recordEvent(uid: string, type: string, message: string, name = 'still'): Promise<void> {
  const at = now();
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${name}.${Math.random().toString(36).slice(2)}`, namespace: NS },
    involvedObject: { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name, namespace: NS, uid },
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

const VIEWED = ['canaries.flagger.app', 'deployments.apps', 'services', 'horizontalpodautoscalers.autoscaling'];

/**
 * A kubeconfig for a ServiceAccount `user` that may read Canaries (and Events, unless `events` is
 * false) in NS, and write nothing.
 */
async function readOnlyKubeconfig(user = 'viewer', { events = true } = {}): Promise<string> {
  await kubectl(['-n', NS, 'create', 'serviceaccount', user]);
  const resources = events ? [...VIEWED, 'events'] : VIEWED;
  await kubectl(['-n', NS, 'create', 'role', `canary-${user}`, '--verb=get,list,watch', `--resource=${resources.join(',')}`]);
  await kubectl(['-n', NS, 'create', 'rolebinding', `canary-${user}`, `--role=canary-${user}`, `--serviceaccount=${NS}:${user}`]);
  // The apiserver's RBAC authorizer learns of a new binding from its own watch: wait until it has,
  // or the dashboard's first list is refused and its watch retries with backoff.
  await waitFor(
    async () =>
      (await kubectl(['-n', NS, 'auth', 'can-i', 'watch', 'canaries.flagger.app', `--as=system:serviceaccount:${NS}:${user}`]).catch(() => 'no')).trim() ===
      'yes',
    30_000,
    { what: `the ${user} Role in force` },
  );
  const token = (await kubectl(['-n', NS, 'create', 'token', user, '--duration=1h'])).trim();
  const admin = await kubectlJson<{ clusters: { cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string } }[] }>([
    'config',
    'view',
    '--raw',
    '--minify',
  ]);
  const cluster = admin.clusters[0].cluster;
  const file = join(tmpdir(), `${NS}-${user}.kubeconfig`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': user,
      clusters: [{ name: 'local', cluster }],
      users: [{ name: user, user: { token } }],
      contexts: [{ name: user, context: { cluster: 'local', user, namespace: NS } }],
    }),
    { mode: 0o600 },
  );
  return file;
}

/** A port nothing listens on now (for the operator's page, which prints no URL before it listens). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

type CanaryJson = { metadata: { annotations?: Record<string, string> }; status?: { phase?: string; canaryWeight?: number } };

/** The weight the Canary page shows in its summary, e.g. 15 for "15% of max 50%". */
async function shownWeight(page: Page): Promise<number> {
  const text = (await page.locator('#summary .bar-text').textContent()) ?? '';
  const m = /^(\d+)% of max 50%$/.exec(text);
  if (!m) throw new Error(`unexpected weight text ${JSON.stringify(text)}`);
  return Number(m[1]);
}

describe('sluice dashboard in Chromium against the local control plane (e2e)', function () {
  this.timeout(3 * 60_000);
  let browser: Browser;
  let page: Page;
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  let operator: OperatorProcess;
  let operatorPage: string;
  let uid: string;

  before(async function () {
    this.timeout(50 * 60_000);
    await ensureCluster();
    mkdirSync(ARTIFACTS, { recursive: true });
    const dashboardPort = await freePort();
    operatorPage = `http://127.0.0.1:${dashboardPort}/`;
    operator = spawnOperator({ SLUICE_NAMESPACE: NS, SLUICE_DASHBOARD_PORT: String(dashboardPort) });
    // Longer than startOperator's minute: with five suites on two cores, a start has taken more.
    await waitFor(() => operator.logs().includes('controller started'), 5 * 60_000, { what: `operator start (log ${operator.logFile})` });
    await createApp({ namespace: NS, canary: live, replicas: 1 });
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(still) });
    uid = (await kubectl(['-n', NS, 'get', 'canary', 'still', '-o', 'jsonpath={.metadata.uid}'])).trim();
    await recordEvent(uid, 'Normal', `New revision detected! Scaling up still.${NS}`);
    await recordEvent(uid, 'Normal', `Advance still.${NS} canary weight 10`);
    await setStatus('Progressing', 10, 99.8);
    await waitForPhase(NS, ['Initialized'], 180_000);
    dashboard = await startDashboard(clusterEnv()!.KUBECONFIG);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  });

  after(async function () {
    this.timeout(60_000);
    if (this.currentTest?.state === 'failed') console.log(`operator log: ${operator?.logFile}`);
    await browser?.close().catch(() => undefined);
    dashboard?.process.kill('SIGTERM');
    await operator?.kill('SIGTERM');
    await kubectl(['delete', 'namespace', NS, '--wait=false']).catch(() => undefined);
  });

  it('shows the rollout on the list page as it starts, without a reload', async () => {
    await page.goto(dashboard.url);
    const row = page.locator(`tr[data-canary="${NS}/podinfo"]`);
    await row.locator('.phase', { hasText: 'Initialized' }).waitFor();
    // A mark on the window survives only if the page is never loaded again.
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    await setImage(NS, NEW_IMAGE);
    await row.locator('.phase', { hasText: 'Progressing' }).waitFor({ timeout: 60_000 });
    await page.waitForFunction(
      (sel) => /^([1-9]\d*)% of max 50%$/.test(document.querySelector(sel)?.textContent ?? ''),
      `tr[data-canary="${NS}/podinfo"] .bar-text`,
      { timeout: 60_000 },
    );
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).to.equal(true);
    await page.locator('#phase').selectOption('Failed');
    expect(await page.locator('td.empty').textContent()).to.equal('No canary matches the filters.');
    await page.locator('#phase').selectOption('');
    await page.screenshot({ path: join(ARTIFACTS, 'list.png'), fullPage: true });
  });

  it("opens the Canary page mid-rollout and sees the weight advance without a reload, and the VirtualService's split", async () => {
    await page.locator(`tr[data-canary="${NS}/podinfo"] a`).click();
    await page.waitForURL(/\/canary\?/);
    await page.locator('#connection', { hasText: 'Live' }).waitFor();
    await page.locator('#summary .bar-text').waitFor();
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    const first = await shownWeight(page);
    expect(first).to.be.greaterThan(0);
    // The next step arrives over the event stream: the page is never asked to load again.
    await page.waitForFunction(
      ({ sel, before }) => {
        const m = /^(\d+)%/.exec(document.querySelector(sel)?.textContent ?? '');
        return m !== null && Number(m[1]) > before;
      },
      { sel: '#summary .bar-text', before: first },
      { timeout: 90_000 },
    );
    const second = await shownWeight(page);
    expect(second).to.be.greaterThan(first);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).to.equal(true);
    // The weight timeline starts at the rollout's start, from the Events.
    await page.locator('#weight-chart figcaption', { hasText: /changes, now \d+%/ }).waitFor();
    expect(await page.locator('canvas').count()).to.equal(3);
    // The routing object synthesis names for an Istio Canary, with the split it carries now.
    const vs = page.locator('#objects tr', { has: page.locator('td', { hasText: /^VirtualService$/ }) });
    await page.waitForFunction(
      () => {
        const row = [...document.querySelectorAll('#objects tr')].find((r) => r.querySelector('td')?.textContent === 'VirtualService');
        return /^podinfo-primary \d+%, podinfo-canary [1-9]\d*%$/.test(row?.querySelector('td.split')?.textContent ?? '');
      },
      undefined,
      { timeout: 30_000 },
    );
    const split = /^podinfo-primary (\d+)%, podinfo-canary (\d+)%$/.exec((await vs.locator('td.split').textContent()) ?? '')!;
    expect(Number(split[1]) + Number(split[2])).to.equal(100);
    const stored = await kubectlJson<{ spec: { http: { route: { destination: { host: string }; weight: number }[] }[] } }>([
      '-n',
      NS,
      'get',
      'virtualservices.networking.istio.io',
      'podinfo',
    ]);
    // The split shown is one the VirtualService carried (the rollout may have stepped on since).
    expect(Number(split[2])).to.be.at.most(stored.spec.http[0].route.find((r) => r.destination.host === 'podinfo-canary')!.weight);
    for (const name of ['podinfo-canary', 'podinfo-primary']) {
      expect(await page.locator('#objects tr', { has: page.locator('td', { hasText: new RegExp(`^${name}$`) }) }).count(), name).to.be.greaterThan(0);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'canary.png'), fullPage: true });
  });

  it("pauses the rollout after confirmation: the CLI's annotation is in the apiserver and the page follows", async () => {
    await page.locator('button[data-verb="pause"]').click();
    const dialog = page.locator('dialog#confirm');
    expect(await dialog.locator('#confirm-text').textContent()).to.equal(
      `Pause canary ${NS}/podinfo? Pause the analysis where it is (no step, no check) until resumed?`,
    );
    // Cancel writes nothing.
    await dialog.locator('button[value="cancel"]').click();
    const before = await kubectlJson<CanaryJson>(['-n', NS, 'get', 'canary', 'podinfo']);
    expect(before.metadata.annotations?.['sluice.dev/paused']).to.equal(undefined);
    await page.locator('button[data-verb="pause"]').click();
    await dialog.locator('#confirm-ok').click();
    await page.locator('#action-result.ok', { hasText: `pause requested for canary ${NS}/podinfo` }).waitFor();
    const paused = await waitFor(
      async () => (await kubectlJson<CanaryJson>(['-n', NS, 'get', 'canary', 'podinfo'])).metadata.annotations?.['sluice.dev/paused'] === 'true',
      10_000,
      { what: 'the sluice.dev/paused annotation' },
    );
    expect(paused).to.equal(true);
    // The watch brings the annotation back to the page: Pause is done, Resume is what is left.
    await page.locator('button[data-verb="pause"][disabled]').waitFor({ timeout: 20_000 });
    expect(await page.locator('button[data-verb="resume"]').isDisabled()).to.equal(false);
    await page.locator('#summary .phase', { hasText: '(paused)' }).waitFor();
  });

  it("shows a hostile Event message as text, the judge's comparison beside its chart, and the conditions", async () => {
    await page.goto(`${dashboard.url}canary?namespace=${NS}&name=still`);
    await page.locator('#connection', { hasText: 'Live' }).waitFor();
    await page.locator('#weight-chart figcaption', { hasText: 'now 10%' }).waitFor();
    const hostile = `Halt still.${NS} advancement <img src=x onerror="window.injected=1"> 97% < 99%`;
    await recordEvent(uid, 'Warning', hostile);
    await page.locator('#events tr.warning td', { hasText: '<img src=x' }).waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => (window as unknown as { injected?: number }).injected)).to.equal(undefined);
    expect(await page.locator('#events img').count()).to.equal(0);
    expect(await page.locator('#conditions td').first().textContent()).to.equal('Promoted');
    const caption = await page.locator('#metric-charts figcaption').first().textContent();
    expect(caption).to.match(/^request-success-rate: accepted at least 99; \d+ checks/);
    expect(await page.locator('#metric-charts p.judge').first().textContent()).to.equal(
      'Judge, canary against primary at the last check: no regression against the primary: canary 99.80% vs primary 99.90% (−0.10, p=0.42): no significant difference at 95% confidence; 30 canary and 30 primary samples.',
    );
    // No target, so synthesis names no routing object: the table says why instead.
    expect(await page.locator('#objects td.empty').textContent()).to.match(/^None yet/);
  });

  it("says so when the user's RBAC refuses an action, and writes nothing", async function () {
    // A second `sluice dashboard` starts here (through tsx in a checkout): slow on a loaded machine.
    this.timeout(5 * 60_000);
    const viewer = await startDashboard(await readOnlyKubeconfig());
    try {
      const viewerPage = await browser.newPage();
      await viewerPage.goto(`${viewer.url}canary?namespace=${NS}&name=still`);
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
      const c = await kubectlJson<CanaryJson>(['-n', NS, 'get', 'canary', 'still']);
      expect(c.metadata.annotations?.['sluice.dev/abort']).to.equal(undefined);
    } finally {
      viewer.process.kill('SIGTERM');
    }
  });

  it('says Events are unavailable, rather than showing none, to a user who may not watch them', async function () {
    this.timeout(5 * 60_000);
    const reader = await startDashboard(await readOnlyKubeconfig('no-events', { events: false }));
    try {
      const page = await browser.newPage();
      await page.goto(`${reader.url}canary?namespace=${NS}&name=still`);
      await page.locator('#connection', { hasText: 'Live' }).waitFor();
      const note = page.locator('#events-unavailable');
      await note.waitFor();
      expect(await note.textContent()).to.match(new RegExp(`may not list or watch events in namespace ${NS}`));
      expect(await page.locator('#events td.empty').count(), 'no "No Events" row').to.equal(0);
      // The Canary itself is shown: its phase, weight and failed checks.
      await page.locator('#summary', { hasText: 'failed checks' }).waitFor();
    } finally {
      reader.process.kill('SIGTERM');
    }
  });

  it('answers only to localhost and takes actions only as JSON from its own origin', async () => {
    const base = new URL(dashboard.url);
    const body = JSON.stringify({ namespace: NS, name: 'still', verb: 'abort' });
    expect(await send(base, { headers: { Host: 'attacker.example:80' } })).to.equal(421);
    expect(await send(base, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body }, '/api/canary/action')).to.equal(403);
    expect(
      await send(base, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: 'http://attacker.example' }, body }, '/api/canary/action'),
    ).to.equal(403);
    expect(
      await send(
        base,
        { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ namespace: NS, name: 'still', verb: 'delete' }) },
        '/api/canary/action',
      ),
    ).to.equal(400);
    const c = await kubectlJson<CanaryJson>(['-n', NS, 'get', 'canary', 'still']);
    expect(c.metadata.annotations?.['sluice.dev/abort']).to.equal(undefined);
  });

  it("serves the operator's read-only page (--dashboard-port): no buttons, and actions refused with 405", async () => {
    // The operator starts its page beside the controller without waiting for it: wait here.
    await waitFor(() => operator.logs().includes('read-only rollout page on'), 60_000, { what: `the operator's page (log ${operator.logFile})` });
    const base = new URL(operatorPage);
    const body = JSON.stringify({ namespace: NS, name: 'podinfo', verb: 'abort' });
    expect(await send(base, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body }, '/api/canary/action')).to.equal(405);
    const c = await kubectlJson<CanaryJson>(['-n', NS, 'get', 'canary', 'podinfo']);
    expect(c.metadata.annotations?.['sluice.dev/abort']).to.equal(undefined);
    const readOnlyPage = await browser.newPage();
    await readOnlyPage.goto(operatorPage);
    await readOnlyPage.locator('#scope', { hasText: `namespace ${NS} · read-only` }).waitFor();
    await readOnlyPage.locator(`tr[data-canary="${NS}/podinfo"] a`).click();
    await readOnlyPage.locator('#connection', { hasText: 'Live' }).waitFor();
    await readOnlyPage.locator('#read-only').waitFor({ state: 'visible' });
    await readOnlyPage.locator('#summary .phase').waitFor();
    expect(await readOnlyPage.locator('#actions-section').isHidden()).to.equal(true);
    expect(await readOnlyPage.locator('button[data-verb]:visible').count()).to.equal(0);
  });
});

/** A request through node:http, which lets the test set Host (fetch() does not); resolves with the status. */
function send(base: URL, init: { method?: string; headers?: Record<string, string>; body?: string }, path = '/'): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    import('node:http').then(({ request }) => {
      const req = request({ host: base.hostname, port: base.port, path, method: init.method ?? 'GET', headers: init.headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(init.body);
    }, reject);
  });
}
