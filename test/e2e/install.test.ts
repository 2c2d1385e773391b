// `kubectl apply -k manifests/` against the local control plane (real apiserver, pods simulated
// by kwok): every object is accepted, the operator Deployment gets its replicas, and RBAC lets
// the operator's ServiceAccount do exactly what src/install/permissions.ts lists, and not more
// (`kubectl auth can-i --as`), nor what only an optional feature needs (manifests/ turn none on).
// The load tester installs into an app namespace like Flagger's.
//
// The cluster is shared with other e2e files: the flagger.app CRDs belong to the cluster set-up
// and are never deleted here, and the webhook configurations, which would send the apiserver to
// a Service without real pods, are checked (failurePolicy Ignore) and removed right away, and not
// applied at all when another test's operator has registered its own.
import { expect } from 'chai';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ensureCluster, kubectl, kubectlJson, repoRoot, waitFor, KubectlError } from '../support/cluster.js';
import { CLUSTER_RULES, FORBIDDEN_ACTIONS, NAMESPACE_RULES, isGranted } from '../../src/install/permissions.js';
import { canIAs, checksOf, inBatches } from './support/rbac.js';

const manifests = join(repoRoot, 'manifests');
const SA = 'system:serviceaccount:sluice-system:sluice';
const APP_NS = `e2e-loadtester-${Date.now().toString(36)}`;

const canI = (verb: string, resource: string, opts: { namespace?: string; subresource?: string } = {}) => canIAs(SA, verb, resource, opts);

const exists = (kind: string, name: string) =>
  kubectl(['get', kind, name, '-o', 'name']).then(
    () => true,
    () => false,
  );

describe('install with kubectl apply -k manifests/ (e2e)', function () {
  this.timeout(5 * 60_000);
  let othersWebhooks = false;

  before(async function () {
    this.timeout(50 * 60_000);
    await ensureCluster();
    // A previous run's namespace may still be terminating.
    await waitFor(
      async () => {
        const ns = await kubectlJson(['get', 'namespace', 'sluice-system']).catch(() => undefined);
        return !ns?.metadata?.deletionTimestamp;
      },
      180_000,
      { what: 'namespace sluice-system of an earlier run to be gone' },
    );
    othersWebhooks = (await exists('mutatingwebhookconfiguration', 'sluice-admission')) || (await exists('validatingwebhookconfiguration', 'sluice-admission'));
  });

  after(async function () {
    this.timeout(120_000);
    await removeOurWebhooks();
    await kubectl(['delete', 'namespace', APP_NS, '--wait=false', '--ignore-not-found']).catch(() => undefined);
    await kubectl(['delete', 'namespace', 'sluice-system', '--wait=false', '--ignore-not-found']).catch(() => undefined);
    await kubectl(['delete', 'clusterrolebinding,clusterrole', 'sluice', '--ignore-not-found']).catch(() => undefined);
  });

  /** Deletes the webhook configurations if they are still the ones the manifests created. */
  async function removeOurWebhooks(): Promise<void> {
    for (const kind of ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration']) {
      const live = await kubectlJson(['get', kind, 'sluice-admission']).catch(() => undefined);
      if (live?.webhooks?.every((w: any) => w.clientConfig?.service?.namespace === 'sluice-system')) {
        await kubectl(['delete', kind, 'sluice-admission', '--ignore-not-found']);
      }
    }
  }

  it('builds with kustomize and the apiserver accepts every object (server-side dry run)', async () => {
    const built = parseAllDocuments(await kubectl(['kustomize', manifests])).map((d) => d.toJS());
    expect(built.map((o: any) => `${o.kind}/${o.metadata.name}`).sort()).to.deep.equal([
      'ClusterRole/sluice',
      'ClusterRoleBinding/sluice',
      'CustomResourceDefinition/alertproviders.flagger.app',
      'CustomResourceDefinition/canaries.flagger.app',
      'CustomResourceDefinition/metrictemplates.flagger.app',
      'Deployment/sluice',
      'MutatingWebhookConfiguration/sluice-admission',
      'Namespace/sluice-system',
      'PodDisruptionBudget/sluice',
      'Role/sluice',
      'RoleBinding/sluice',
      'Service/sluice',
      'ServiceAccount/sluice',
      'ValidatingWebhookConfiguration/sluice-admission',
    ]);
    // The namespace first, so the dry run of the namespaced objects has somewhere to go.
    await kubectl(['apply', '-f', join(manifests, 'namespace.yaml')]);
    const out = await kubectl(['apply', '--dry-run=server', ...['crds.yaml', 'rbac.yaml', 'operator.yaml'].flatMap((f) => ['-f', join(manifests, f)])]);
    expect(out).to.include('deployment.apps/sluice');
    // The webhook configurations under another name: a running operator of another test may own
    // `sluice-admission` right now, and a dry run must not depend on it.
    const webhooks = built
      .filter((o: any) => o.kind.endsWith('WebhookConfiguration'))
      .map((o: any) => ({ ...o, metadata: { ...o.metadata, name: 'sluice-admission-install-check' } }));
    const created = await kubectl(['create', '--dry-run=server', '-f', '-'], { input: webhooks.map((o) => JSON.stringify(o)).join('\n') });
    expect(created)
      .to.include('mutatingwebhookconfiguration.admissionregistration.k8s.io/sluice-admission-install-check created (server dry run)')
      .and.include('validatingwebhookconfiguration.admissionregistration.k8s.io/sluice-admission-install-check created (server dry run)');
  });

  it('kubectl apply -k manifests/ installs Sluice; the webhooks fail open and are removed again', async function () {
    const withoutWebhooks = () =>
      kubectl(['apply', ...['namespace.yaml', 'crds.yaml', 'rbac.yaml', 'operator.yaml'].flatMap((f) => ['-f', join(manifests, f)])]);
    othersWebhooks ||=
      (await exists('mutatingwebhookconfiguration', 'sluice-admission')) || (await exists('validatingwebhookconfiguration', 'sluice-admission'));
    let applied = false;
    if (!othersWebhooks) {
      const out = await kubectl(['apply', '-k', manifests]).catch((err: unknown) => {
        // Another test's operator registered `sluice-admission` (a loopback URL) in the meantime.
        if (err instanceof KubectlError && err.stderr.includes('exactly one of url or service is required')) return undefined;
        throw err;
      });
      applied = out !== undefined;
      if (applied) {
        expect(out).to.include('mutatingwebhookconfiguration.admissionregistration.k8s.io/sluice-admission');
        for (const kind of ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration']) {
          const live = await kubectlJson(['get', kind, 'sluice-admission']);
          for (const w of live.webhooks) {
            expect(w.failurePolicy).to.equal('Ignore');
            expect(w.clientConfig.service).to.include({ namespace: 'sluice-system', name: 'sluice', port: 443 });
          }
        }
        await removeOurWebhooks();
      }
    }
    if (!applied) {
      // Another test's operator registered its webhooks: apply everything but ours over them.
      console.log('    (webhook configurations of a running operator found: applying the manifests without webhooks.yaml)');
      await withoutWebhooks();
    }
    const d = await kubectlJson(['-n', 'sluice-system', 'get', 'deployment', 'sluice']);
    expect(d.spec.replicas).to.equal(2);
    expect(d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem).to.equal(true);
    for (const [kind, name] of [
      ['serviceaccount', 'sluice'],
      ['service', 'sluice'],
      ['poddisruptionbudget', 'sluice'],
      ['role', 'sluice'],
      ['rolebinding', 'sluice'],
    ]) {
      expect((await kubectl(['-n', 'sluice-system', 'get', kind, name, '-o', 'name'])).trim()).to.equal(
        `${kind === 'role' || kind === 'rolebinding' ? `${kind}.rbac.authorization.k8s.io` : kind === 'poddisruptionbudget' ? 'poddisruptionbudget.policy' : kind}/${name}`,
      );
    }
    // kwok runs the pods: the ReplicaSet controller and scheduler really place both replicas.
    await waitFor(
      async () => {
        const s = (await kubectlJson(['-n', 'sluice-system', 'get', 'deployment', 'sluice'])).status ?? {};
        return s.readyReplicas === 2;
      },
      90_000,
      { what: 'both operator replicas ready (kwok)' },
    );
    // What is installed is what the manifests say: kubectl diff (a server-side dry run) finds nothing.
    expect(await kubectl(['diff', '-f', join(manifests, 'operator.yaml'), '-f', join(manifests, 'rbac.yaml')])).to.equal('');
  });

  it('RBAC allows every verb the operator uses (kubectl auth can-i --as the ServiceAccount)', async () => {
    // manifests/ turn no optional feature on: their rules are asked about below, to be refused.
    const granted = CLUSTER_RULES.filter((r) => isGranted(r, []));
    const checks = [...granted.flatMap((r) => checksOf(r)), ...NAMESPACE_RULES.flatMap((r) => checksOf(r, 'sluice-system'))];
    expect(checks.length).to.be.greaterThan(80);
    const answers = await inBatches(checks, 8, async (c) => ({ ...c, answer: await canI(c.verb, c.resource, c) }));
    expect(
      answers.filter((a) => a.answer !== 'yes').map((a) => `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''} -> ${a.answer}`),
    ).to.deep.equal([]);
  });

  it('RBAC refuses what the operator must not do', async () => {
    const answers = await inBatches([...FORBIDDEN_ACTIONS], 8, async (c) => ({
      ...c,
      answer: await canI(c.verb, c.resource, c.namespace ? { namespace: c.namespace } : {}),
    }));
    expect(answers.filter((a) => a.answer !== 'no').map((a) => `${a.verb} ${a.resource} -> ${a.answer}`)).to.deep.equal([]);
    // Nor what only an optional feature needs: the read-only rollout page's list and watch of Events.
    const withheld = CLUSTER_RULES.filter((r) => !isGranted(r, [])).flatMap((r) => checksOf(r));
    expect(withheld.map((c) => `${c.verb} ${c.resource}`)).to.include.members(['list events', 'watch events']);
    const withheldAnswers = await inBatches(withheld, 8, async (c) => ({ ...c, answer: await canI(c.verb, c.resource, c) }));
    expect(withheldAnswers.filter((a) => a.answer !== 'no').map((a) => `${a.verb} ${a.resource} -> ${a.answer}`)).to.deep.equal([]);
    // Leases only in its own namespace.
    expect(await canI('update', 'leases.coordination.k8s.io', { namespace: 'default' })).to.equal('no');
  });

  it('kubectl apply -k manifests/loadtester -n <app namespace> gives the seeds their flagger-loadtester', async () => {
    await kubectl(['create', 'namespace', APP_NS]);
    await kubectl(['apply', '-k', join(manifests, 'loadtester'), '-n', APP_NS]);
    const svc = await kubectlJson(['-n', APP_NS, 'get', 'service', 'flagger-loadtester']);
    expect(svc.spec.ports[0]).to.include({ port: 80, targetPort: 'http' });
    await waitFor(async () => (await kubectlJson(['-n', APP_NS, 'get', 'deployment', 'flagger-loadtester'])).status?.readyReplicas === 1, 90_000, {
      what: 'flagger-loadtester ready (kwok)',
    });
  });
});
