// The Helm chart charts/sluice with a real helm (v3, built from the Go module proxy by
// test/cluster/build-helm.sh) and the local control plane (real apiserver, pods simulated by kwok):
//   - `helm lint --strict`, with default values and with every option on;
//   - `helm template` with default values renders exactly the objects of manifests/ (the chart and
//     manifests/ come from the same code in src/install/; this proves the templates say so too);
//   - a second release renders no name the first one uses, runtime names (Lease, Secret) included;
//   - the options render what they say;
//   - `helm install`, `helm upgrade`, `helm uninstall` against the cluster: RBAC as permissions.ts
//     derives it (`kubectl auth can-i`; an optional feature's rules only once its value turns it
//     on), the upgrade changes the Deployment, and the CRDs and a user's Canary survive the uninstall.
//
// The cluster is shared with other e2e files: the release has its own name and namespace (so its
// webhook configurations, `sluice-helm-admission`, are no other test's), the flagger.app CRDs
// belong to the cluster set-up and are never deleted here (they exist before the install, so Helm
// leaves them alone: that it would create them is shown by `helm template --include-crds`), and
// the webhook configurations, which send the apiserver to a Service without real pods
// (failurePolicy Ignore), are checked and deleted right after each install and upgrade.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { clusterEnv, ensureCluster, kubectl, kubectlJson, repoRoot, waitFor } from '../support/cluster.js';
import { FORBIDDEN_ACTIONS, NAMESPACE_RULES, clusterRulesFor, isGranted, policyRuleOf } from '../../src/install/permissions.js';
import { canIAs, checksOf, inBatches } from './support/rbac.js';
import { defaultConfig } from '../../src/operator/config.js';

const CHART = join(repoRoot, 'charts', 'sluice');
const MANIFESTS = join(repoRoot, 'manifests');
const KUBE_VERSION = '1.36.3';
const suffix = Date.now().toString(36);
const RELEASE = 'sluice-helm';
const NS = `e2e-helm-${suffix}`;
const APP_NS = `e2e-helm-app-${suffix}`;
const SA = `system:serviceaccount:${NS}:${RELEASE}`;
const WEBHOOK_KINDS = ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration'];

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: any;
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
  });
}

let helmBin = '';
// Helm's own config, cache and data in a folder of this run, not the user's.
const helmHome = mkdtempSync(join(tmpdir(), 'sluice-helm-'));

/** Runs helm against the local cluster; resolves with the whole result (callers check the code). */
function helmRun(args: string[]): Promise<Run> {
  return run(helmBin, args, {
    ...process.env,
    KUBECONFIG: clusterEnv()?.KUBECONFIG ?? '',
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_DATA_HOME: join(helmHome, 'data'),
  });
}

async function helm(args: string[]): Promise<string> {
  const r = await helmRun(args);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

const docsOf = (yaml: string): Obj[] =>
  parseAllDocuments(yaml)
    .map((d) => d.toJS())
    .filter(Boolean);
const keyOf = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const byKey = (objects: Obj[]) => Object.fromEntries(objects.map((o) => [keyOf(o), o]));
const template = (release: string, namespace: string, extra: string[] = []) =>
  helm(['template', release, CHART, '--namespace', namespace, '--kube-version', KUBE_VERSION, ...extra]).then(docsOf);
const envOf = (deployment: Obj): Record<string, string> =>
  Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? `fieldRef:${e.valueFrom?.fieldRef?.fieldPath}`]));
const find = (objects: Obj[], kind: string) => objects.find((o) => o.kind === kind);

/** The names an installation gives objects, including the ones the operator creates from its env. */
function namesOf(objects: Obj[]): string[] {
  const env = envOf(find(objects, 'Deployment')!);
  const ns = find(objects, 'Deployment')!.metadata.namespace;
  return [
    ...objects.map(keyOf),
    `Lease/${ns}/${env.SLUICE_LEADER_ELECTION_NAME}`,
    `Secret/${ns}/${env.SLUICE_WEBHOOK_SECRET_NAME}`,
    `MutatingWebhookConfiguration//${env.SLUICE_WEBHOOK_CONFIGURATION_NAME}`,
    `ValidatingWebhookConfiguration//${env.SLUICE_WEBHOOK_CONFIGURATION_NAME}`,
  ];
}

const canI = (verb: string, resource: string, opts: { namespace?: string; subresource?: string } = {}) => canIAs(SA, verb, resource, opts);

/** Checks the release's webhook configurations (fail open, pointing at its Service) and deletes them. */
async function checkAndRemoveWebhooks(): Promise<void> {
  for (const kind of WEBHOOK_KINDS) {
    const live = await kubectlJson(['get', kind, `${RELEASE}-admission`]);
    for (const w of live.webhooks) {
      expect(w.failurePolicy).to.equal('Ignore');
      expect(w.clientConfig.service).to.include({ namespace: NS, name: RELEASE, port: 443 });
    }
    await kubectl(['delete', kind, `${RELEASE}-admission`, '--ignore-not-found']);
  }
}

describe('Helm chart charts/sluice (e2e)', function () {
  this.timeout(5 * 60_000);

  before(async function () {
    this.timeout(50 * 60_000);
    const built = await run('bash', [join(repoRoot, 'test/cluster/build-helm.sh')]);
    if (built.code !== 0) throw new Error(`test/cluster/build-helm.sh failed: ${built.stderr}`);
    helmBin = built.stdout.trim().split('\n').pop()!;
    await ensureCluster();
  });

  after(async function () {
    this.timeout(120_000);
    await helmRun(['uninstall', RELEASE, '--namespace', NS]);
    for (const kind of WEBHOOK_KINDS) await kubectl(['delete', kind, `${RELEASE}-admission`, '--ignore-not-found']).catch(() => undefined);
    await kubectl(['delete', 'clusterrolebinding,clusterrole', RELEASE, '--ignore-not-found']).catch(() => undefined);
    await kubectl(['delete', 'namespace', NS, APP_NS, '--wait=false', '--ignore-not-found']).catch(() => undefined);
    rmSync(helmHome, { recursive: true, force: true });
  });

  it('helm lint --strict passes with default values and with every option on', async () => {
    const options = [
      '--set',
      'serviceMonitor.enabled=true,podMonitor.enabled=true,grafanaDashboard.enabled=true',
      '--set',
      'slack.url=https://hooks.slack.example/x,slack.channel=deploys,slack.user=sluice,msteams.url=https://teams.example/x',
      '--set',
      'namespace=apps,clusterName=prod,image.pullSecret=regcred,podDisruptionBudget.enabled=false,securityContext.enabled=false',
      '--set',
      'dashboard.port=3100',
    ];
    for (const extra of [[], options]) {
      const out = await helm(['lint', '--strict', CHART, '--kube-version', KUBE_VERSION, ...extra]);
      expect(out).to.include('1 chart(s) linted, 0 chart(s) failed');
    }
  });

  it('helm template with default values renders exactly the objects of manifests/', async () => {
    const chart = await template('sluice', 'sluice-system');
    const manifests = ['rbac.yaml', 'operator.yaml', 'webhooks.yaml'].flatMap((f) => docsOf(readFileSync(join(MANIFESTS, f), 'utf8')));
    expect(Object.keys(byKey(chart)).sort()).to.deep.equal(Object.keys(byKey(manifests)).sort());
    expect(byKey(chart)).to.deep.equal(byKey(manifests));
    // manifests/namespace.yaml is the one object the chart leaves out, on purpose: Helm installs
    // into the release namespace (`--create-namespace`), and a chart that also creates it would
    // clash with that and take the namespace, and everything in it, away on `helm uninstall`.
    expect(docsOf(readFileSync(join(MANIFESTS, 'namespace.yaml'), 'utf8')).map(keyOf)).to.deep.equal(['Namespace//sluice-system']);
    // The CRDs come from the chart's crds/ folder: the objects of manifests/crds.yaml.
    const withCrds = await template('sluice', 'sluice-system', ['--include-crds']);
    const crds = withCrds.filter((o) => o.kind === 'CustomResourceDefinition');
    expect(byKey(crds)).to.deep.equal(byKey(docsOf(readFileSync(join(MANIFESTS, 'crds.yaml'), 'utf8'))));
    expect(crds.map((c) => c.metadata.name).sort()).to.deep.equal(['alertproviders.flagger.app', 'canaries.flagger.app', 'metrictemplates.flagger.app']);
  });

  it('a second release renders no name the first one uses, and points everything at its own objects', async () => {
    const first = await template('sluice', 'sluice-system');
    const second = await template('canary-ops', 'team-a');
    const clash = namesOf(second).filter((n) => namesOf(first).includes(n));
    expect(clash).to.deep.equal([]);
    const name = 'canary-ops-sluice';
    const d = find(second, 'Deployment')!;
    expect(d.metadata).to.include({ name, namespace: 'team-a' });
    expect(envOf(d)).to.include({
      SLUICE_SERVICE_NAME: name,
      SLUICE_LEADER_ELECTION_NAME: `${name}-leader-election`,
      SLUICE_WEBHOOK_SECRET_NAME: `${name}-webhook-tls`,
      SLUICE_WEBHOOK_CONFIGURATION_NAME: `${name}-admission`,
    });
    expect(d.spec.selector.matchLabels).to.deep.equal({ 'app.kubernetes.io/name': 'sluice', 'app.kubernetes.io/instance': 'canary-ops' });
    expect(find(second, 'Service')!.spec.selector).to.deep.equal(d.spec.selector.matchLabels);
    expect(d.spec.template.spec.serviceAccountName).to.equal(name);
    expect(
      d.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchLabels,
    ).to.deep.equal(d.spec.selector.matchLabels);
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      const config = find(second, kind)!;
      expect(config.metadata.name).to.equal(`${name}-admission`);
      for (const w of config.webhooks) expect(w.clientConfig.service).to.include({ namespace: 'team-a', name });
    }
    // RBAC exactly as permissions.ts derives it for this release's webhook configurations, no optional feature on.
    const role = find(second, 'ClusterRole')!;
    const granted = clusterRulesFor(`${name}-admission`).filter((r) => isGranted(r, []));
    expect(role.rules).to.deep.equal(granted.map(policyRuleOf));
    expect(find(second, 'ClusterRoleBinding')!.subjects).to.deep.equal([{ kind: 'ServiceAccount', name, namespace: 'team-a' }]);
    expect(find(second, 'RoleBinding')!.metadata.namespace).to.equal('team-a');
    // fullnameOverride names everything, and nameOverride the app label.
    const overridden = await template('x', 'team-b', ['--set', 'fullnameOverride=delivery,nameOverride=gate']);
    expect(envOf(find(overridden, 'Deployment')!)).to.include({ SLUICE_SERVICE_NAME: 'delivery', SLUICE_WEBHOOK_CONFIGURATION_NAME: 'delivery-admission' });
    expect(find(overridden, 'Deployment')!.spec.selector.matchLabels).to.deep.equal({ 'app.kubernetes.io/name': 'gate', 'app.kubernetes.io/instance': 'x' });
  });

  it("Flagger's operator values (selectorLabels, includeLabelPrefix, ingressClass, configTracking, ...) reach the operator's settings", async () => {
    const objects = await template('sluice', 'sluice-system', [
      '--set',
      'selectorLabels=app.kubernetes.io/name\\,app,includeLabelPrefix=app.kubernetes.io,ingressAnnotationsPrefix=custom.ingress.kubernetes.io,ingressClass=contour',
      '--set',
      'configTracking.enabled=false,noCrossNamespaceRefs=true,eventWebhook=http://events.example/hook,threadiness=4',
      '--set',
      'slack.url=https://hooks.slack.example/x,slack.proxyUrl=http://proxy:3128,msteams.url=https://teams.example/x,msteams.proxyUrl=http://proxy:3129',
    ]);
    const env = envOf(find(objects, 'Deployment')!) as Record<string, string>;
    const config = defaultConfig(env);
    expect(config.synth).to.deep.equal({
      selectorLabels: ['app.kubernetes.io/name', 'app'],
      includeLabelPrefixes: ['app.kubernetes.io'],
      ingressAnnotationsPrefix: 'custom.ingress.kubernetes.io',
      ingressClass: 'contour',
    });
    expect(config).to.include({ configTracking: false, noCrossNamespaceRefs: true, eventWebhook: 'http://events.example/hook', concurrency: 4 });
    expect(config.notifier).to.include({ slackProxy: 'http://proxy:3128', msteamsProxy: 'http://proxy:3129' });
    // With default values none of them is set: the operator's defaults are Flagger's.
    const defaults = envOf(find(await template('sluice', 'sluice-system', []), 'Deployment')!) as Record<string, string>;
    for (const name of [
      'SLUICE_SELECTOR_LABELS',
      'SLUICE_INCLUDE_LABEL_PREFIX',
      'SLUICE_INGRESS_CLASS',
      'SLUICE_CONFIG_TRACKING',
      'SLUICE_NO_CROSS_NAMESPACE_REFS',
      'EVENT_WEBHOOK_URL',
      'SLUICE_CONCURRENCY',
    ]) {
      expect(defaults, name).not.to.have.property(name);
    }
  });

  it('options: monitors, the dashboard ConfigMap, the rollout page and its RBAC, notifications, watch namespace, PDB, security context, scheduling', async () => {
    const objects = await template('sluice', 'sluice-system', [
      '--set',
      'serviceMonitor.enabled=true,serviceMonitor.additionalLabels.release=kps,serviceMonitor.namespace=monitoring',
      '--set',
      'podMonitor.enabled=true,podMonitor.interval=30s',
      '--set',
      'grafanaDashboard.enabled=true,grafanaDashboard.namespace=grafana,grafanaDashboard.annotations.grafana_folder=Delivery',
      '--set',
      'slack.url=https://hooks.slack.example/x,slack.channel=deploys,slack.user=sluice,msteams.url=https://teams.example/x',
      '--set',
      'namespace=apps,clusterName=prod,meshProvider=linkerd,metricsServer=http://prom.monitoring:9090,logLevel=debug',
      '--set',
      'podDisruptionBudget.enabled=false,securityContext.enabled=false,image.pullSecret=regcred,image.tag=9.9.9',
      '--set',
      'nodeSelector.pool=ops,leaderElection.replicaCount=3',
      '--set',
      'dashboard.port=3100',
      '--set-json',
      'tolerations=[{"key":"ops","operator":"Exists"}]',
      '--set-json',
      'env=[{"name":"SLACK_TOKEN","valueFrom":{"secretKeyRef":{"name":"slack","key":"token"}}}]',
    ]);
    const sm = find(objects, 'ServiceMonitor')!;
    expect(sm.apiVersion).to.equal('monitoring.coreos.com/v1');
    expect(sm.metadata).to.include({ name: 'sluice', namespace: 'monitoring' });
    expect(sm.metadata.labels).to.include({ release: 'kps', 'app.kubernetes.io/name': 'sluice' });
    expect(sm.spec).to.deep.equal({
      endpoints: [{ honorLabels: false, interval: '15s', path: '/metrics', port: 'http-metrics' }],
      namespaceSelector: { matchNames: ['sluice-system'] },
      selector: { matchLabels: { 'app.kubernetes.io/name': 'sluice', 'app.kubernetes.io/instance': 'sluice' } },
    });
    const service = find(objects, 'Service')!;
    expect(service.metadata.labels).to.include(sm.spec.selector.matchLabels);
    expect(service.spec.ports.map((p: any) => p.name)).to.include('http-metrics');
    const pm = find(objects, 'PodMonitor')!;
    expect(pm.spec.podMetricsEndpoints).to.deep.equal([{ interval: '30s', path: '/metrics', port: 'http-metrics' }]);
    const cm = find(objects, 'ConfigMap')!;
    expect(cm.metadata).to.include({ name: 'sluice-grafana-dashboard', namespace: 'grafana' });
    expect(cm.metadata.labels).to.include({ grafana_dashboard: '1' });
    expect(cm.metadata.annotations).to.deep.equal({ grafana_folder: 'Delivery' });
    expect(cm.data['sluice-canaries.json']).to.equal(readFileSync(join(MANIFESTS, 'grafana', 'sluice-canaries.json'), 'utf8'));
    expect(find(objects, 'PodDisruptionBudget')).to.equal(undefined);
    const d = find(objects, 'Deployment')!;
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    expect(envOf(d)).to.include({
      SLUICE_NAMESPACE: 'apps',
      SLUICE_CLUSTER_NAME: 'prod',
      SLUICE_PROVIDER: 'linkerd',
      SLUICE_METRICS_SERVER: 'http://prom.monitoring:9090',
      SLUICE_LOG_LEVEL: 'debug',
      SLACK_URL: 'https://hooks.slack.example/x',
      SLACK_CHANNEL: 'deploys',
      SLACK_USER: 'sluice',
      MSTEAMS_URL: 'https://teams.example/x',
    });
    expect(c.env).to.deep.include({ name: 'SLACK_TOKEN', valueFrom: { secretKeyRef: { name: 'slack', key: 'token' } } });
    // dashboard.port serves the read-only page and grants its rules: every rule of permissions.ts.
    expect(envOf(d)).to.include({ SLUICE_DASHBOARD_PORT: '3100' });
    expect(find(objects, 'ClusterRole')!.rules).to.deep.equal(clusterRulesFor('sluice-admission').map(policyRuleOf));
    expect(c.image).to.equal('ghcr.io/sluice-dev/sluice:9.9.9');
    expect(c).to.not.have.property('securityContext');
    expect(pod.securityContext).to.deep.equal({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.imagePullSecrets).to.deep.equal([{ name: 'regcred' }]);
    expect(pod.nodeSelector).to.deep.equal({ pool: 'ops' });
    expect(pod.tolerations).to.deep.equal([{ key: 'ops', operator: 'Exists' }]);
    expect(d.spec.replicas).to.equal(3);
    // The apiserver takes the ConfigMap and the Deployment as rendered (no monitoring.coreos.com CRDs here).
    await kubectl(['create', 'namespace', APP_NS]);
    const dryRun = [cm, d].map((o) => JSON.stringify({ ...o, metadata: { ...o.metadata, namespace: APP_NS } })).join('\n');
    expect(await kubectl(['create', '--dry-run=server', '-f', '-'], { input: dryRun })).to.include(
      'configmap/sluice-grafana-dashboard created (server dry run)',
    );
    // Several replicas without leader election would all reconcile: the chart refuses.
    const refused = await helmRun(['template', 'sluice', CHART, '--kube-version', KUBE_VERSION, '--set', 'leaderElection.enabled=false']);
    expect(refused.code).to.not.equal(0);
    expect(refused.stderr).to.include('leaderElection.replicaCount > 1 needs leaderElection.enabled');
    const single = docsOf(
      await helm(['template', 'sluice', CHART, '--kube-version', KUBE_VERSION, '--set', 'leaderElection.enabled=false,leaderElection.replicaCount=1']),
    );
    expect(envOf(find(single, 'Deployment')!)).to.include({ SLUICE_LEADER_ELECT: 'false' });
  });

  it('helm install: every object of the release, the webhooks failing open, RBAC as permissions.ts derives it', async () => {
    const out = await helm(['install', RELEASE, CHART, '--namespace', NS, '--create-namespace']);
    // Right away: until they are gone the apiserver calls a Service without real pods.
    await checkAndRemoveWebhooks();
    expect(out).to.include(`NAME: ${RELEASE}`).and.include('STATUS: deployed');
    expect(out).to.include(`Sluice 0.1.0 is installed as ${RELEASE} in namespace ${NS}`);
    const d = await kubectlJson(['-n', NS, 'get', 'deployment', RELEASE]);
    expect(d.spec.replicas).to.equal(2);
    expect(envOf(d)).to.include({
      SLUICE_LEADER_ELECTION_NAME: `${RELEASE}-leader-election`,
      SLUICE_WEBHOOK_SECRET_NAME: `${RELEASE}-webhook-tls`,
      SLUICE_WEBHOOK_CONFIGURATION_NAME: `${RELEASE}-admission`,
      SLUICE_SERVICE_NAME: RELEASE,
    });
    for (const kind of ['serviceaccount', 'service', 'poddisruptionbudget', 'role', 'rolebinding']) {
      await kubectl(['-n', NS, 'get', kind, RELEASE, '-o', 'name']);
    }
    await kubectl(['get', 'clusterrole,clusterrolebinding', RELEASE, '-o', 'name']);
    await waitFor(async () => (await kubectlJson(['-n', NS, 'get', 'deployment', RELEASE])).status?.readyReplicas === 2, 90_000, {
      what: 'both operator replicas ready (kwok)',
    });

    // Default values turn no optional feature on: its rules are refused (the upgrade below turns one on).
    const rules = clusterRulesFor(`${RELEASE}-admission`);
    const checks = [...rules.filter((r) => isGranted(r, [])).flatMap((r) => checksOf(r)), ...NAMESPACE_RULES.flatMap((r) => checksOf(r, NS))];
    const granted = await inBatches(checks, 8, async (c) => ({ ...c, answer: await canI(c.verb, c.resource, c) }));
    expect(granted.filter((a) => a.answer !== 'yes').map((a) => `${a.verb} ${a.resource} -> ${a.answer}`)).to.deep.equal([]);
    const withheld = rules.filter((r) => !isGranted(r, [])).flatMap((r) => checksOf(r));
    expect(withheld.map((c) => `${c.verb} ${c.resource}`)).to.include.members(['list events', 'watch events']);
    const notGranted = await inBatches(withheld, 8, async (c) => ({ ...c, answer: await canI(c.verb, c.resource, c) }));
    expect(notGranted.filter((a) => a.answer !== 'no').map((a) => `${a.verb} ${a.resource} -> ${a.answer}`)).to.deep.equal([]);
    const refused = await inBatches([...FORBIDDEN_ACTIONS], 8, async (c) => ({
      ...c,
      answer: await canI(c.verb, c.resource, c.namespace ? { namespace: c.namespace } : {}),
    }));
    expect(refused.filter((a) => a.answer !== 'no').map((a) => `${a.verb} ${a.resource} -> ${a.answer}`)).to.deep.equal([]);
    // Only its own webhook configurations, not another installation's.
    expect(await canI('patch', 'validatingwebhookconfigurations.admissionregistration.k8s.io/sluice-admission')).to.equal('no');
    expect(await canI('update', 'leases.coordination.k8s.io', { namespace: 'default' })).to.equal('no');
  });

  it("a user's Canary, then helm upgrade changes the Deployment (provider, replicas, rollout page), drops the PDB and grants the page's Events watch", async () => {
    await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'flagger.app/v1beta1',
        kind: 'Canary',
        metadata: { name: 'podinfo', namespace: APP_NS },
        spec: {
          targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
          service: { port: 9898 },
          analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 },
        },
      }),
    });
    const before = await kubectlJson(['-n', NS, 'get', 'deployment', RELEASE]);
    const out = await helm([
      'upgrade',
      RELEASE,
      CHART,
      '--namespace',
      NS,
      '--set',
      'meshProvider=linkerd,leaderElection.replicaCount=1,podDisruptionBudget.enabled=false,dashboard.port=3100',
    ]);
    // Helm puts back the webhook configurations it finds missing: check and remove them again.
    await checkAndRemoveWebhooks();
    expect(out).to.include('STATUS: deployed').and.include('REVISION: 2');
    const after = await kubectlJson(['-n', NS, 'get', 'deployment', RELEASE]);
    expect(after.metadata.generation).to.be.greaterThan(before.metadata.generation);
    expect(after.spec.replicas).to.equal(1);
    expect(envOf(before).SLUICE_PROVIDER).to.equal('istio');
    expect(envOf(after).SLUICE_PROVIDER).to.equal('linkerd');
    expect(envOf(after).SLUICE_DASHBOARD_PORT).to.equal('3100');
    // The page's rules are granted now: its list and watch of Events.
    const pageChecks = clusterRulesFor(`${RELEASE}-admission`)
      .filter((r) => r.onlyWith === 'dashboard')
      .flatMap((r) => checksOf(r));
    expect(pageChecks.map((c) => `${c.verb} ${c.resource}`)).to.include.members(['list events', 'watch events']);
    // The apiserver's RBAC authorizer learns the new rule from its informer: a moment after the upgrade.
    await waitFor(async () => (await canI('watch', 'events')) === 'yes', 15_000, { what: "the upgraded ClusterRole's watch of Events" });
    const pageAnswers = await inBatches(pageChecks, 8, async (c) => ({ ...c, answer: await canI(c.verb, c.resource, c) }));
    expect(pageAnswers.filter((a) => a.answer !== 'yes').map((a) => `${a.verb} ${a.resource} -> ${a.answer}`)).to.deep.equal([]);
    await waitFor(async () => (await kubectl(['-n', NS, 'get', 'poddisruptionbudget', '-o', 'name'])).trim() === '', 30_000, { what: 'the PDB to be deleted' });
    const status = JSON.parse(await helm(['status', RELEASE, '--namespace', NS, '-o', 'json']));
    expect(status.version).to.equal(2);
    expect(status.info.status).to.equal('deployed');
  });

  it("helm uninstall removes the release, and leaves the CRDs and the user's Canary", async () => {
    const out = await helm(['uninstall', RELEASE, '--namespace', NS, '--wait']);
    expect(out).to.include(`release "${RELEASE}" uninstalled`);
    for (const [kind, namespaced] of [
      ['deployment', true],
      ['service', true],
      ['serviceaccount', true],
      ['role', true],
      ['rolebinding', true],
      ['clusterrole', false],
      ['clusterrolebinding', false],
    ] as const) {
      const live = await kubectl([...(namespaced ? ['-n', NS] : []), 'get', kind, RELEASE, '--ignore-not-found', '-o', 'name']);
      expect(live.trim(), `${kind} ${RELEASE}`).to.equal('');
    }
    for (const crd of ['canaries.flagger.app', 'metrictemplates.flagger.app', 'alertproviders.flagger.app']) {
      expect((await kubectl(['get', 'crd', crd, '-o', 'name'])).trim()).to.equal(`customresourcedefinition.apiextensions.k8s.io/${crd}`);
    }
    const canary = await kubectlJson(['-n', APP_NS, 'get', 'canary', 'podinfo']);
    expect(canary.metadata.deletionTimestamp).to.equal(undefined);
    expect((await helm(['list', '--namespace', NS, '-q'])).trim()).to.equal('');
  });
});
