// The admission webhooks against the real local control plane (test/cluster): the apiserver
// calls Sluice's HTTPS server on loopback, verified with the CA Sluice made and registered.
// Set SLUICE_RECORD_ADMISSION=<dir> to keep every AdmissionReview the apiserver sent.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { REVISION_ANNOTATION, REVISION_OPENED_AT_ANNOTATION, REVISION_OPENED_BY_ANNOTATION } from '../../src/admission/annotations.js';
import { canaryLookupFromCache } from '../../src/admission/canary-lookup.js';
import { registerWebhooks, unregisterWebhooks } from '../../src/admission/registration.js';
import { startAdmissionServer, type AdmissionServer } from '../../src/admission/server.js';
import { KubeClient, RESOURCES, loadKubeConfig, startInformer, type KubeObject, type WatchedCache } from '../../src/kube/index.js';
import { templateRevision } from '../../src/rollout/revision.js';
import { KubectlError, clusterEnv, ensureCluster, kubectl, waitFor } from '../support/cluster.js';

const NS = `admission-e2e-${Date.now().toString(36)}`;
/** Its own configuration name, so a concurrent test registering sluice-admission is not disturbed. */
const CONFIG = `sluice-${NS}`;
const IMAGE_PROMOTED = 'ghcr.io/stefanprodan/podinfo:6.0.0';
const IMAGE_NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1';

const podinfo = (name: string, replicas: number, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: NS, labels: { app: name }, ...extra },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'podinfod', image: IMAGE_PROMOTED, ports: [{ name: 'http', containerPort: 9898 }] }] },
    },
  },
});

const canaryManifest = (name: string, analysis: Record<string, unknown>) => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name, namespace: NS },
  spec: {
    provider: 'kubernetes',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    service: { port: 9898 },
    analysis,
  },
});

/** kubectl with the cluster's binary and kubeconfig, keeping stderr (where admission warnings go). */
function kubectlWithWarnings(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = clusterEnv()!;
  return new Promise((resolve, reject) => {
    const p = spawn(env.SLUICE_KUBECTL || 'kubectl', args, { env: { ...process.env, KUBECONFIG: env.KUBECONFIG } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    p.stdin.end(input ?? '');
  });
}

async function kubectlFails(args: string[], input?: string): Promise<KubectlError> {
  try {
    await kubectl(args, { input });
  } catch (err) {
    if (err instanceof KubectlError) return err;
    throw err;
  }
  throw new Error(`kubectl ${args.join(' ')} succeeded but should have failed`);
}

describe('admission webhooks against the real apiserver', function () {
  this.timeout(10 * 60_000);
  let kc: KubeConfig;
  let client: KubeClient;
  let server: AdmissionServer | undefined;
  let canaries: WatchedCache<KubeObject>;
  let adminUser: string;
  const reviews: { path: string; uid: string; operation: string; name?: string; user?: string }[] = [];
  const recordDir = process.env.SLUICE_RECORD_ADMISSION;

  const deployment = (name = 'podinfo') => client.get<any>(RESOURCES.deployments, name, NS);

  before(async function () {
    this.timeout(45 * 60_000);
    const cluster = await ensureCluster();
    kc = loadKubeConfig({ path: cluster.kubeconfig });
    client = new KubeClient(kc);
    if (recordDir) mkdirSync(recordDir, { recursive: true });
    await client.serverSideApply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }]);
    canaries = startInformer(client, RESOURCES.canaries, { namespace: NS });
    await canaries.synced;
    // Who kubectl is, as the apiserver sees it (the username stamped as opened-by). Outside a
    // cluster the operator runs with this same admin identity, so it is the operator's username too.
    const review = JSON.parse(
      await kubectl(['create', '-f', '-', '-o', 'json'], { input: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }) }),
    );
    adminUser = review.status.userInfo.username;
    server = await startAdmissionServer({
      port: 0,
      canaries: canaryLookupFromCache(canaries),
      operatorUsername: adminUser,
      onReview: (path, review) => {
        const r = review.request;
        reviews.push({ path, uid: r.uid, operation: r.operation, name: r.name, user: r.userInfo.username });
        if (recordDir) writeFileSync(join(recordDir, `${path.slice(1).replace(/\//g, '-')}-${r.name}-${r.uid}.json`), JSON.stringify(review, null, 2));
      },
    });
    await registerWebhooks(kc, { url: `https://127.0.0.1:${server.port}` }, server.caBundle, { name: CONFIG });
  });

  after(async function () {
    this.timeout(120_000);
    if (kc) {
      await unregisterWebhooks(kc, CONFIG).catch(() => undefined);
      await server?.close();
      await canaries?.stop();
      await client.delete(RESOURCES.namespaces, NS).catch(() => undefined);
    }
  });

  it('registers both webhook configurations with the CA bundle', async () => {
    const mutating = await client.get<any>(RESOURCES.mutatingWebhookConfigurations, CONFIG);
    const validating = await client.get<any>(RESOURCES.validatingWebhookConfigurations, CONFIG);
    expect(mutating.webhooks[0].clientConfig.url).to.equal(`https://127.0.0.1:${server!.port}/mutate/deployments`);
    expect(Buffer.from(mutating.webhooks[0].clientConfig.caBundle, 'base64').toString()).to.equal(server!.caBundle);
    expect(mutating.webhooks[0].failurePolicy).to.equal('Ignore');
    expect(validating.webhooks.map((w: any) => w.name)).to.deep.equal(['flagger.validate.sluice.dev', 'owned.validate.sluice.dev']);
  });

  it('sets up a target and its Canary (status written through the status subresource), seen by the informer', async () => {
    await client.serverSideApply([podinfo('podinfo', 1)]);
    const stored = await deployment();
    const promoted = templateRevision(stored.spec.template);
    const [canary] = await client.serverSideApply([canaryManifest('podinfo', { interval: '15s', threshold: 2, iterations: 3 }) as unknown as KubeObject]);
    await client.patchStatus(RESOURCES.canaries, 'podinfo', NS, { status: { phase: 'Initialized', lastAppliedSpec: promoted, lastPromotedSpec: promoted } });
    const cached = await waitFor(() => (canaries.get('podinfo', NS) as any)?.status?.phase === 'Initialized', 30_000, {
      what: 'the informer to see the Canary status',
    });
    expect(cached).to.equal(true);
    expect(canary.metadata.uid).to.be.a('string');
    // Sluice scales the idle target to zero (field manager sluice: never held back).
    await client.mergePatch(RESOURCES.deployments, 'podinfo', NS, { spec: { replicas: 0 } });
    expect((await deployment()).spec.replicas).to.equal(0);
  });

  it('kubectl set image: the stored Deployment carries the revision annotations (the apiserver called the webhook over TLS)', async () => {
    // Webhook configurations take effect asynchronously: wait until a server-side dry run is mutated.
    await waitFor(
      async () => {
        const dry = JSON.parse(await kubectl(['-n', NS, 'set', 'image', 'deployment/podinfo', `podinfod=${IMAGE_NEW}`, '--dry-run=server', '-o', 'json']));
        return dry.metadata.annotations?.[REVISION_ANNOTATION] !== undefined;
      },
      60_000,
      { what: 'the mutating webhook to be active' },
    );
    const before = Date.now();
    await kubectl(['-n', NS, 'set', 'image', 'deployment/podinfo', `podinfod=${IMAGE_NEW}`]);
    const stored = await deployment();
    const annotations = stored.metadata.annotations ?? {};
    expect(stored.spec.template.spec.containers[0].image).to.equal(IMAGE_NEW);
    expect(annotations[REVISION_ANNOTATION]).to.equal(templateRevision(stored.spec.template));
    expect(annotations[REVISION_OPENED_BY_ANNOTATION]).to.equal(adminUser);
    const openedAt = Date.parse(annotations[REVISION_OPENED_AT_ANNOTATION]);
    expect(openedAt).to.be.within(before - 2000, Date.now() + 1000);
    expect(reviews.some((r) => r.path === '/mutate/deployments' && r.name === 'podinfo' && r.operation === 'UPDATE' && r.user === adminUser)).to.equal(true);
  });

  it('reverting to the promoted template opens nothing and clears the stale stamp', async () => {
    await kubectl(['-n', NS, 'set', 'image', 'deployment/podinfo', `podinfod=${IMAGE_PROMOTED}`]);
    const stored = await deployment();
    expect(stored.spec.template.spec.containers[0].image).to.equal(IMAGE_PROMOTED);
    expect(stored.metadata.annotations ?? {}).to.not.have.property(REVISION_ANNOTATION);
  });

  it('kubectl set env: a changed environment is a new revision too', async () => {
    await kubectl(['-n', NS, 'set', 'env', 'deployment/podinfo', 'PODINFO_UI_MESSAGE=hello']);
    const stored = await deployment();
    expect(stored.metadata.annotations[REVISION_ANNOTATION]).to.equal(templateRevision(stored.spec.template));
    await kubectl(['-n', NS, 'set', 'env', 'deployment/podinfo', 'PODINFO_UI_MESSAGE-']);
    expect((await deployment()).metadata.annotations ?? {}).to.not.have.property(REVISION_ANNOTATION);
  });

  it('a Deployment no Canary targets is left alone', async () => {
    await client.serverSideApply([podinfo('frontend', 1)]);
    await kubectl(['-n', NS, 'set', 'image', 'deployment/frontend', `podinfod=${IMAGE_NEW}`]);
    const stored = await deployment('frontend');
    expect(stored.spec.template.spec.containers[0].image).to.equal(IMAGE_NEW);
    expect(stored.metadata.annotations ?? {}).to.not.have.property(REVISION_ANNOTATION);
    expect(reviews.some((r) => r.name === 'frontend')).to.equal(true);
  });

  it('an apply that would scale the idle target up is held at 0, and kubectl prints why', async () => {
    const applied = await kubectlWithWarnings(['apply', '-f', '-'], JSON.stringify(podinfo('podinfo', 3)));
    expect(applied.code, applied.stderr).to.equal(0);
    expect(applied.stderr).to.include('Warning: spec.replicas kept at 0: Sluice scales podinfo while Canary podinfo is idle (Initialized)');
    expect((await deployment()).spec.replicas).to.equal(0);
    const patched = await kubectlWithWarnings(['-n', NS, 'patch', 'deployment/podinfo', '--type=merge', '-p', '{"spec":{"replicas":2}}']);
    expect(patched.code, patched.stderr).to.equal(0);
    expect((await deployment()).spec.replicas).to.equal(0);
    // kubectl scale goes through the scale subresource, which this webhook does not see.
  });

  it('kubectl apply of an invalid Canary fails, naming every field path', async () => {
    const invalid = canaryManifest('broken', {
      interval: 'soon',
      stepWeight: 150,
      metrics: [{ name: 'error-rate', thresholdRange: { max: 1 } }],
    });
    const err = await kubectlFails(['apply', '-f', '-'], JSON.stringify(invalid));
    expect(err.stderr).to.include('admission webhook "flagger.validate.sluice.dev" denied the request');
    expect(err.stderr).to.include('spec.analysis.interval: invalid duration "soon"');
    expect(err.stderr).to.include('spec.analysis.stepWeight: must be between 1 and 100, got 150');
    expect(err.stderr).to.include('spec.analysis.metrics[0]: metric "error-rate" is not builtin');
    expect(await client.getIfExists(RESOURCES.canaries, 'broken', NS)).to.equal(undefined);
  });

  it('kubectl apply of a Canary with a value Flagger accepts but that is suspicious (targetRef.apiVersion v1) succeeds, and kubectl prints the warning', async () => {
    const legacy = canaryManifest('legacy', { interval: '1m', stepWeight: 10, maxWeight: 50 });
    legacy.spec.targetRef = { apiVersion: 'v1', kind: 'Deployment', name: 'podinfo-legacy' };
    // A server-side dry run goes through admission too, and leaves no second Canary behind.
    const applied = await kubectlWithWarnings(['apply', '--dry-run=server', '-f', '-'], JSON.stringify(legacy));
    expect(applied.code, applied.stderr).to.equal(0);
    expect(applied.stdout).to.include('canary.flagger.app/legacy created (server dry run)');
    expect(applied.stderr).to.include(
      'Warning: spec.targetRef.apiVersion: "v1" is not a Deployment\'s apiVersion; Flagger and Sluice ignore it and read apps/v1 Deployment podinfo-legacy: write apps/v1',
    );
  });

  it('a direct edit of an object the Canary owns is denied; Sluice itself may write it', async () => {
    const canary = await client.get<any>(RESOURCES.canaries, 'podinfo', NS);
    const owner = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: 'podinfo', uid: canary.metadata.uid, controller: true, blockOwnerDeletion: true };
    await client.serverSideApply([podinfo('podinfo-primary', 1, { ownerReferences: [owner] })]);
    const err = await waitFor(() => kubectlFails(['-n', NS, 'set', 'image', 'deployment/podinfo-primary', `podinfod=${IMAGE_NEW}`]), 60_000, {
      what: 'the owned-object guard to deny',
    });
    expect(err.stderr).to.include('admission webhook "owned.validate.sluice.dev" denied the request');
    expect(err.stderr).to.include('is generated by Sluice for Canary podinfo');
    expect(err.stderr).to.include("change the Canary's target (spec.targetRef) or the Canary itself instead");
    await client.mergePatch(RESOURCES.deployments, 'podinfo-primary', NS, { spec: { template: { metadata: { annotations: { 'flagger-id': 'abc' } } } } });
    expect((await deployment('podinfo-primary')).spec.template.metadata.annotations['flagger-id']).to.equal('abc');
  });

  it('with the webhook server stopped (configurations still registered), kubectl set image still succeeds', async () => {
    await server!.close();
    server = undefined;
    expect(await client.getIfExists(RESOURCES.mutatingWebhookConfigurations, CONFIG)).to.not.equal(undefined);
    const started = Date.now();
    await kubectl(['-n', NS, 'set', 'image', 'deployment/podinfo', 'podinfod=ghcr.io/stefanprodan/podinfo:6.0.2']);
    const elapsed = Date.now() - started;
    const stored = await deployment();
    expect(stored.spec.template.spec.containers[0].image).to.equal('ghcr.io/stefanprodan/podinfo:6.0.2');
    expect(stored.metadata.annotations ?? {}).to.not.have.property(REVISION_ANNOTATION);
    expect(elapsed, 'a dead webhook must not stall deploys').to.be.below(10_000);
    // Canaries stay editable too (the validating webhook fails open).
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(canaryManifest('podinfo', { interval: '30s', threshold: 2, iterations: 3 })) });
  });

  it('unregisterWebhooks removes both configurations', async () => {
    await unregisterWebhooks(kc, CONFIG);
    expect(await client.getIfExists(RESOURCES.mutatingWebhookConfigurations, CONFIG)).to.equal(undefined);
    expect(await client.getIfExists(RESOURCES.validatingWebhookConfigurations, CONFIG)).to.equal(undefined);
    await unregisterWebhooks(kc, CONFIG);
  });
});

describe('runAdmission: server, Canary cache and loopback registration as one unit', function () {
  this.timeout(10 * 60_000);

  it('registers at its loopback URL, answers from a cache of every Canary, and removes the configurations on close', async function () {
    this.timeout(45 * 60_000);
    const cluster = await ensureCluster({ quiet: true });
    const kc = loadKubeConfig({ path: cluster.kubeconfig });
    const client = new KubeClient(kc);
    const name = `sluice-run-${Date.now().toString(36)}`;
    const { runAdmission } = await import('../../src/admission/run.js');
    const runtime = await runAdmission({ kubeConfig: kc, port: 0, registration: 'loopback', registrationOptions: { name } });
    try {
      const mutating = await client.get<any>(RESOURCES.mutatingWebhookConfigurations, name);
      expect(mutating.webhooks[0].clientConfig.url).to.equal(`https://127.0.0.1:${runtime.server.port}/mutate/deployments`);
      const validating = await client.get<any>(RESOURCES.validatingWebhookConfigurations, name);
      expect(validating.webhooks).to.have.length(2);
    } finally {
      await runtime.close();
    }
    expect(await client.getIfExists(RESOURCES.mutatingWebhookConfigurations, name)).to.equal(undefined);
    expect(await client.getIfExists(RESOURCES.validatingWebhookConfigurations, name)).to.equal(undefined);
  });
});
