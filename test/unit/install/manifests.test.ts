// The install manifests: committed files equal what src/install/ renders (no drift), the
// operator Deployment is what the issue asks for, webhooks fail open, and RBAC covers every
// kind Sluice really touches and nothing it does not.
import { expect } from 'chai';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import jsonpatch, { type Operation } from 'fast-json-patch';
import { parse, parseAllDocuments } from 'yaml';
import { renderInstallManifests } from '../../../src/install/render.js';
import { CLUSTER_RULES, NAMESPACE_RULES, isGranted, policyRuleOf, type PermissionRule } from '../../../src/install/permissions.js';
import { RESOURCES } from '../../../src/kube/index.js';
import { flaggerCrds } from '../../../src/api/crds.js';

const root = join(import.meta.dirname, '..', '..', '..');
const rendered = renderInstallManifests();
const docs = (file: string) =>
  parseAllDocuments(rendered[file])
    .map((d) => d.toJS())
    .filter(Boolean);
const find = (file: string, kind: string, name?: string) => docs(file).find((o: any) => o.kind === kind && (!name || o.metadata.name === name));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Whether some rule grants `verb` on group/resource (resourceNames-restricted rules count only with `name`). */
function granted(rules: typeof CLUSTER_RULES, group: string, resource: string, verb: string, name?: string): boolean {
  return rules.some(
    (r) =>
      r.apiGroups.includes(group) &&
      r.resources.includes(resource) &&
      r.verbs.includes(verb) &&
      (!r.resourceNames || (name !== undefined && r.resourceNames.includes(name))),
  );
}

const plural = (kind: string) => {
  const k = kind.toLowerCase();
  if (k.endsWith('s')) return `${k}es`;
  if (k.endsWith('y')) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
};

describe('install manifests', () => {
  it('manifests/ is exactly what `npm run manifests` writes (run it after changing src/install)', () => {
    const onDisk = filesUnder(join(root, 'manifests'))
      .map((p) => relative(join(root, 'manifests'), p))
      .sort();
    expect(onDisk).to.deep.equal(Object.keys(rendered).sort());
    for (const [file, content] of Object.entries(rendered)) {
      expect(readFileSync(join(root, 'manifests', file), 'utf8'), `manifests/${file} is stale: npm run manifests`).to.equal(content);
    }
  });

  it('renders byte-identical output twice', () => {
    expect(renderInstallManifests()).to.deep.equal(rendered);
  });

  it('the kustomization lists every YAML file of the install', () => {
    const k = docs('kustomization.yaml')[0] as any;
    expect(k.resources).to.deep.equal(['namespace.yaml', 'crds.yaml', 'rbac.yaml', 'operator.yaml', 'webhooks.yaml']);
    expect(k.images).to.deep.equal([{ name: 'ghcr.io/sluice-dev/sluice', newTag: '0.1.0' }]);
  });

  it('ships the CRDs of src/api/crds.ts unchanged', () => {
    const crds = docs('crds.yaml');
    const expected = Object.values(flaggerCrds()).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    expect(crds.map((c: any) => c.metadata.name)).to.deep.equal(['alertproviders.flagger.app', 'canaries.flagger.app', 'metrictemplates.flagger.app']);
    expect(crds).to.deep.equal(JSON.parse(JSON.stringify(expected)));
  });

  it('runs the operator with 2 replicas, leader election, probes, limits, non-root and a read-only root filesystem', () => {
    const d = find('operator.yaml', 'Deployment', 'sluice') as any;
    expect(d.metadata.namespace).to.equal('sluice-system');
    expect(d.spec.replicas).to.equal(2);
    const pod = d.spec.template.spec;
    expect(pod.serviceAccountName).to.equal('sluice');
    const c = pod.containers[0];
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom.fieldRef.fieldPath]));
    expect(env).to.include({
      SLUICE_LEADER_ELECT: 'true',
      POD_NAME: 'metadata.name',
      SLUICE_LEADER_ELECTION_NAMESPACE: 'metadata.namespace',
      SLUICE_SERVICE_NAMESPACE: 'metadata.namespace',
      SLUICE_SERVICE_NAME: 'sluice',
      SLUICE_PORT: '8080',
      SLUICE_WEBHOOK_PORT: '9443',
    });
    // The names of what the operator creates at run time are set explicitly, to today's defaults.
    expect(env).to.include({
      SLUICE_LEADER_ELECTION_NAME: 'sluice-leader-election',
      SLUICE_WEBHOOK_SECRET_NAME: 'sluice-webhook-tls',
      SLUICE_WEBHOOK_CONFIGURATION_NAME: 'sluice-admission',
    });
    expect(d.spec.selector.matchLabels).to.deep.equal({ 'app.kubernetes.io/name': 'sluice', 'app.kubernetes.io/instance': 'sluice' });
    expect(c.ports).to.deep.equal([
      { name: 'http-metrics', containerPort: 8080, protocol: 'TCP' },
      { name: 'https-webhook', containerPort: 9443, protocol: 'TCP' },
    ]);
    expect(c.livenessProbe.httpGet).to.deep.equal({ path: '/healthz', port: 'http-metrics' });
    expect(c.readinessProbe.httpGet).to.deep.equal({ path: '/readyz', port: 'http-metrics' });
    expect(c.resources).to.deep.equal({ requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    expect(c.securityContext).to.include({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(c.volumeMounts).to.deep.equal([{ name: 'tmp', mountPath: '/tmp' }]);
    const svc = find('operator.yaml', 'Service', 'sluice') as any;
    expect(svc.spec.ports.map((p: any) => [p.port, p.targetPort])).to.deep.equal([
      [443, 'https-webhook'],
      [8080, 'http-metrics'],
    ]);
    expect(svc.spec.selector).to.deep.equal(d.spec.selector.matchLabels);
    const pdb = find('operator.yaml', 'PodDisruptionBudget', 'sluice') as any;
    expect(pdb.spec).to.deep.equal({ minAvailable: 1, selector: { matchLabels: d.spec.selector.matchLabels } });
  });

  it('points every webhook at the Service on 443, without caBundle (the operator sets it), failing open', () => {
    const configs = docs('webhooks.yaml') as any[];
    expect(configs.map((c) => `${c.kind}/${c.metadata.name}`)).to.deep.equal([
      'MutatingWebhookConfiguration/sluice-admission',
      'ValidatingWebhookConfiguration/sluice-admission',
    ]);
    const hooks = configs.flatMap((c) => c.webhooks);
    // Deployments and Knative Services (mutating), Flagger's kinds and owned objects (validating).
    expect(hooks).to.have.length(4);
    for (const h of hooks) {
      expect(h.failurePolicy).to.equal('Ignore');
      expect(h.clientConfig).to.not.have.property('caBundle');
      expect(h.clientConfig.service).to.include({ namespace: 'sluice-system', name: 'sluice', port: 443 });
    }
  });

  it('the load tester is flagger-loadtester: Service port 80 to the http port, no namespace, shell off', () => {
    const d = find('loadtester/loadtester.yaml', 'Deployment') as any;
    const svc = find('loadtester/loadtester.yaml', 'Service') as any;
    expect(d.metadata).to.not.have.property('namespace');
    expect(svc.metadata.name).to.equal('flagger-loadtester');
    expect(svc.spec.ports).to.deep.equal([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    const c = d.spec.template.spec.containers[0];
    expect(c.args).to.deep.equal(['loadtester', '--port', '8080', '--timeout', '1h']);
    expect(c.ports[0]).to.include({ name: 'http', containerPort: 8080 });
    expect(c.env).to.deep.include({ name: 'SLUICE_LOADTESTER_ALLOW_SHELL', value: 'false' });
    expect(d.spec.template.spec.automountServiceAccountToken).to.equal(false);
  });

  it("grants every resource the operator calls, from the client layer's list", () => {
    const verbsByResource: [keyof typeof RESOURCES, string[]][] = [
      ['canaries', ['get', 'list', 'watch']],
      ['metricTemplates', ['get']],
      ['alertProviders', ['get']],
      ['deployments', ['get', 'list', 'watch', 'create', 'patch']],
      ['services', ['list', 'watch', 'create', 'patch']],
      ['configMaps', ['list', 'watch', 'create', 'patch']],
      ['secrets', ['get', 'create', 'patch']],
      ['horizontalPodAutoscalers', ['list', 'watch', 'create', 'patch']],
      // list and watch: the read-only rollout page (SLUICE_DASHBOARD_PORT) watches the Canaries'
      // Events; a rule of that feature only (see below).
      ['events', ['create', 'get', 'patch', 'list', 'watch']],
    ];
    for (const [key, verbs] of verbsByResource) {
      const r = RESOURCES[key];
      for (const verb of verbs) expect(granted(CLUSTER_RULES, r.group, r.plural, verb), `${verb} ${r.plural}`).to.equal(true);
    }
    for (const verb of ['get', 'create', 'update', 'patch']) expect(granted(NAMESPACE_RULES, 'coordination.k8s.io', 'leases', verb)).to.equal(true);
    for (const r of [RESOURCES.mutatingWebhookConfigurations, RESOURCES.validatingWebhookConfigurations]) {
      for (const verb of ['get', 'patch']) expect(granted(CLUSTER_RULES, r.group, r.plural, verb, 'sluice-admission')).to.equal(true);
      // In a cluster the manifests install them; the operator never creates or deletes one.
      for (const verb of ['create', 'delete']) expect(granted(CLUSTER_RULES, r.group, r.plural, verb, 'sluice-admission'), verb).to.equal(false);
      expect(granted(CLUSTER_RULES, r.group, r.plural, 'patch', 'someone-else')).to.equal(false);
    }
    expect(granted(CLUSTER_RULES, 'flagger.app', 'canaries/status', 'patch')).to.equal(true);
    expect(granted(CLUSTER_RULES, 'flagger.app', 'canaries/finalizers', 'update')).to.equal(true);
    // The metric backends that call the Kubernetes API (keptn.ts, external-metrics.ts).
    expect(granted(CLUSTER_RULES, 'external.metrics.k8s.io', '*', 'list')).to.equal(true);
    expect(granted(CLUSTER_RULES, 'metrics.keptn.sh', 'keptnmetrics', 'get')).to.equal(true);
    for (const verb of ['create', 'get', 'delete']) expect(granted(CLUSTER_RULES, 'metrics.keptn.sh', 'analyses', verb), `${verb} analyses`).to.equal(true);
  });

  it('grants server-side apply of every kind the synthesized examples contain (dist/)', () => {
    const kinds = new Set<string>();
    for (const file of filesUnder(join(root, 'dist')).filter((f) => f.endsWith('.yaml'))) {
      for (const d of parseAllDocuments(readFileSync(file, 'utf8'))) {
        const o = d.toJS();
        if (o?.kind) kinds.add(`${o.apiVersion}|${o.kind}`);
      }
    }
    expect(kinds.size).to.be.greaterThan(10);
    for (const k of kinds) {
      const [apiVersion, kind] = k.split('|');
      const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
      for (const verb of ['get', 'create', 'patch'])
        expect(granted(CLUSTER_RULES, group, plural(kind), verb), `${verb} ${plural(kind)}.${group}`).to.equal(true);
    }
  });

  it('grants no wildcards, no deletes beyond its own webhook configurations, nothing on RBAC, pods or nodes', () => {
    // Two exceptions, each the only way to make the call: an external metric is a resource named
    // after the metric (any name, read with list), and a Keptn Analysis is created for one check and
    // deleted after it, as Flagger does.
    const metricNames = (r: PermissionRule) => r.apiGroups.join() === 'external.metrics.k8s.io' && r.resources.join() === '*' && r.verbs.join() === 'list';
    const ownAnalyses = (r: PermissionRule) => r.apiGroups.join() === 'metrics.keptn.sh' && r.resources.join() === 'analyses';
    expect([...CLUSTER_RULES].filter(metricNames)).to.have.length(1);
    for (const r of [...CLUSTER_RULES, ...NAMESPACE_RULES]) {
      expect([...r.apiGroups, ...(metricNames(r) ? [] : r.resources), ...r.verbs]).to.not.include('*');
      if (r.verbs.includes('delete') && !ownAnalyses(r)) expect(r.resourceNames).to.deep.equal(['sluice-admission']);
      expect(r.apiGroups).to.not.include('rbac.authorization.k8s.io');
      expect(r.resources).to.not.include.members(['pods', 'nodes', 'namespaces', 'pods/exec']);
    }
    const role = find('rbac.yaml', 'ClusterRole', 'sluice') as any;
    expect(role.metadata).to.not.have.property('namespace');
    // Every rule but those of optional features, which manifests/ leave off.
    expect(role.rules).to.deep.equal(CLUSTER_RULES.filter((r) => isGranted(r, [])).map(policyRuleOf));
    const binding = find('rbac.yaml', 'ClusterRoleBinding', 'sluice') as any;
    expect(binding.subjects).to.deep.equal([{ kind: 'ServiceAccount', name: 'sluice', namespace: 'sluice-system' }]);
  });

  it('grants no list or watch on Secrets, in the rules or the rendered ClusterRole: they are read by name (issue #17)', () => {
    const secrets = RESOURCES.secrets;
    for (const verb of ['list', 'watch', 'deletecollection', 'delete', 'update']) {
      expect(granted([...CLUSTER_RULES, ...NAMESPACE_RULES], secrets.group, secrets.plural, verb), `${verb} secrets`).to.equal(false);
    }
    const role = find('rbac.yaml', 'ClusterRole', 'sluice') as any;
    const onSecrets = role.rules.filter((r: any) => r.apiGroups.includes('') && r.resources.includes('secrets'));
    expect(onSecrets.flatMap((r: any) => r.verbs).sort()).to.deep.equal(['create', 'get', 'patch']);
  });

  it('grants the list and watch of Events only with the read-only rollout page, which manifests/ leave off', () => {
    const events = RESOURCES.events;
    const optional = CLUSTER_RULES.filter((r) => r.onlyWith !== undefined);
    expect(optional.map((r) => [r.onlyWith, policyRuleOf(r)])).to.deep.equal([
      ['dashboard', { apiGroups: [''], resources: ['events'], verbs: ['list', 'watch'] }],
    ]);
    // The page's watch is the only reason: without it the operator neither lists nor watches Events.
    const always = CLUSTER_RULES.filter((r) => isGranted(r, []));
    const withPage = CLUSTER_RULES.filter((r) => isGranted(r, ['dashboard']));
    for (const verb of ['list', 'watch']) {
      expect(granted(always, events.group, events.plural, verb), `${verb} events without the page`).to.equal(false);
      expect(granted(withPage, events.group, events.plural, verb), `${verb} events with it`).to.equal(true);
    }
    for (const verb of ['create', 'patch', 'get']) expect(granted(always, events.group, events.plural, verb), `${verb} events`).to.equal(true);
    // manifests/ do not turn the page on, and their ClusterRole has no rule for it.
    const d = find('operator.yaml', 'Deployment', 'sluice') as any;
    expect(d.spec.template.spec.containers[0].env.map((e: any) => e.name)).to.not.include('SLUICE_DASHBOARD_PORT');
    const role = find('rbac.yaml', 'ClusterRole', 'sluice') as any;
    const onEvents = role.rules.filter((r: any) => r.apiGroups.includes('') && r.resources.includes('events'));
    expect(onEvents.flatMap((r: any) => r.verbs).sort()).to.deep.equal(['create', 'get', 'patch']);
  });

  it("docs/operations.md's overlay that turns the rollout page on gives manifests/ the page's rules, and no other", () => {
    const doc = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
    const block = [...doc.matchAll(/```yaml\n([^]*?)```/g)].map((m) => m[1]).find((y) => y.includes('SLUICE_DASHBOARD_PORT'));
    expect(block, 'the overlay in docs/operations.md').to.be.a('string');
    const overlay = parse(block!);
    const patched = (kind: string) => {
      const patch = overlay.patches.find((p: any) => p.target.kind === kind);
      const object = find(kind === 'ClusterRole' ? 'rbac.yaml' : 'operator.yaml', kind, patch.target.name);
      return jsonpatch.applyPatch(structuredClone(object), parse(patch.patch) as Operation[]).newDocument as any;
    };
    // Appended at the end: the same rules as the chart's with dashboard.port, in another order.
    expect(patched('ClusterRole').rules).to.have.deep.members(CLUSTER_RULES.filter((r) => isGranted(r, ['dashboard'])).map(policyRuleOf));
    expect(patched('Deployment').spec.template.spec.containers[0].env).to.deep.include({ name: 'SLUICE_DASHBOARD_PORT', value: '3100' });
  });

  it('the Grafana dashboard queries the flagger_* metrics the operator exports', () => {
    const dashboard = JSON.parse(rendered['grafana/sluice-canaries.json']);
    const exprs: string[] = dashboard.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));
    for (const metric of [
      'flagger_canary_weight',
      'flagger_canary_status',
      'flagger_canary_total',
      'flagger_canary_metric_analysis',
      'flagger_canary_successes_total',
      'flagger_canary_failures_total',
      'flagger_canary_duration_seconds_bucket',
      'flagger_info',
    ]) {
      expect(
        exprs.some((e) => e.includes(metric)),
        metric,
      ).to.equal(true);
    }
    expect(dashboard.templating.list.map((v: any) => v.name)).to.deep.equal(['datasource', 'namespace', 'canary']);
  });
});
