// The Helm chart: charts/sluice is exactly what src/install/helm-chart.ts renders (no drift), its
// CRDs and dashboard are the repository's, every value a template reads exists in values.yaml
// and every value is read, the operator's name env vars default to what manifests/ sets, and the
// expression placing (HelmExpressions) writes what Helm needs. Rendering with helm itself is the
// e2e test's part (test/e2e/helm.test.ts).
import { expect } from 'chai';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { renderHelmChart } from '../../../src/install/helm-chart.js';
import { CHART_VALUES, chartValueDefaults } from '../../../src/install/chart-values.js';
import { HelmExpressions } from '../../../src/install/helm-expressions.js';
import { renderInstallManifests } from '../../../src/install/render.js';
import { clusterRulesFor, isGranted, policyRuleOf } from '../../../src/install/permissions.js';
import { MANIFEST_SETTINGS } from '../../../src/install/settings.js';
import { defaultConfig } from '../../../src/operator/config.js';

const root = join(import.meta.dirname, '..', '..', '..');
const chartDir = join(root, 'charts', 'sluice');
const rendered = renderHelmChart();
const templates = Object.entries(rendered).filter(([f]) => f.startsWith('templates/'));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/**
 * templates/rbac.yaml as Helm renders it with dashboard.port set or not, every other expression
 * written as NAME: enough to read its rules as YAML. Its only condition is dashboard.port (checked below).
 */
function rbacWithDashboard(on: boolean): any[] {
  const text = rendered['templates/rbac.yaml']
    .replace(/^ *\{\{- if \.Values\.dashboard\.port \}\}\n([^]*?)^ *\{\{- end \}\}\n/gm, (_, body: string) => (on ? body : ''))
    .replace(/\{\{[^}]*\}\}/g, 'NAME');
  return parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter(Boolean);
}

function has(values: unknown, path: string): boolean {
  let at: unknown = values;
  for (const k of path.split('.')) {
    if (at === null || typeof at !== 'object' || !(k in at)) return false;
    at = (at as Record<string, unknown>)[k];
  }
  return true;
}

describe('Helm chart charts/sluice', () => {
  it('charts/sluice is exactly what `npm run manifests` writes (run it after changing src/install)', () => {
    const onDisk = filesUnder(chartDir)
      .map((p) => relative(chartDir, p))
      .sort();
    expect(onDisk).to.deep.equal(Object.keys(rendered).sort());
    for (const [file, content] of Object.entries(rendered)) {
      expect(readFileSync(join(chartDir, file), 'utf8'), `charts/sluice/${file} is stale: npm run manifests`).to.equal(content);
    }
  });

  it('renders byte-identical output twice', () => {
    expect(renderHelmChart()).to.deep.equal(rendered);
  });

  it('ships the three flagger.app CRDs of crds/ unchanged, and no provider CRDs', () => {
    const crds = Object.keys(rendered)
      .filter((f) => f.startsWith('crds/'))
      .sort();
    expect(crds).to.deep.equal(['crds/alertprovider.yaml', 'crds/canary.yaml', 'crds/metrictemplate.yaml']);
    for (const f of crds) expect(rendered[f], f).to.equal(readFileSync(join(root, f), 'utf8'));
  });

  it('ships the Grafana dashboard of manifests/grafana unchanged (read with .Files.Get, so its {{legends}} stay)', () => {
    expect(rendered['dashboards/sluice-canaries.json']).to.equal(renderInstallManifests()['grafana/sluice-canaries.json']);
    expect(rendered['templates/monitoring.yaml']).to.include('.Files.Get "dashboards/sluice-canaries.json"');
  });

  it('leaves no stand-in token behind', () => {
    for (const [file, content] of Object.entries(rendered)) expect(content, file).to.not.match(/HELMEXPR\d+X/);
  });

  it('every .Values path a template reads is in values.yaml, and every value is read', () => {
    const values = parse(rendered['values.yaml']);
    expect(values).to.deep.equal(chartValueDefaults());
    const read = new Set(templates.flatMap(([, t]) => [...t.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)].map((m) => m[1])));
    for (const path of read) expect(has(values, path), `.Values.${path}`).to.equal(true);
    for (const v of CHART_VALUES) {
      const used = [...read].some((p) => p === v.path || p.startsWith(`${v.path}.`) || v.path.startsWith(`${p}.`));
      expect(used, `value ${v.path} is read by no template`).to.equal(true);
    }
  });

  it('defaults are manifests/ settings: image, replicas, provider, Prometheus, resources, security', () => {
    const values = parse(rendered['values.yaml']);
    const s = MANIFEST_SETTINGS;
    expect(`${values.image.repository}:${values.image.tag}`).to.equal(s.image);
    expect(values.leaderElection).to.deep.equal({ enabled: true, replicaCount: s.replicas });
    expect(values).to.include({ meshProvider: s.provider, metricsServer: s.metricsServer, logLevel: s.logLevel });
    expect(values.resources).to.deep.equal(s.resources);
    expect(values.securityContext).to.deep.equal({ enabled: true, context: s.containerSecurityContext });
    expect(values.podDisruptionBudget).to.deep.equal({ enabled: true, minAvailable: s.minAvailable });
    for (const off of ['serviceMonitor', 'podMonitor', 'grafanaDashboard']) expect(values[off].enabled, off).to.equal(false);
    expect(values.grafanaDashboard.labels).to.deep.equal({ grafana_dashboard: '1' });
    const chart = parse(rendered['Chart.yaml']);
    expect(chart).to.include({ apiVersion: 'v2', name: 'sluice', version: '0.1.0', appVersion: '0.1.0' });
  });

  it('names the Lease, webhook Secret and webhook configurations after the release', () => {
    const operator = rendered['templates/operator.yaml'];
    expect(operator).to.include('value: "{{ include "sluice.fullname" . }}-leader-election"');
    expect(operator).to.include('value: "{{ include "sluice.fullname" . }}-webhook-tls"');
    expect(operator).to.include('value: "{{ include "sluice.fullname" . }}-admission"');
    expect(rendered['templates/webhooks.yaml'].match(/name: "\{\{ include "sluice.fullname" \. \}\}-admission"/g)).to.have.length(2);
    // The ClusterRole may update only this release's webhook configurations.
    expect(rendered['templates/rbac.yaml']).to.match(/resourceNames:\n\s+- "\{\{ include "sluice.fullname" \. \}\}-admission"/);
  });

  it('grants the list and watch of Events only behind dashboard.port, the value that turns the read-only page on', () => {
    const rbac = rendered['templates/rbac.yaml'];
    expect(rbac.match(/\{\{-? (if|with|range) [^}]*\}\}/g)).to.deep.equal(['{{- if .Values.dashboard.port }}']);
    expect(rbac).to.include(
      [
        '  {{- if .Values.dashboard.port }}',
        '  - apiGroups:',
        '      - ""',
        '    resources:',
        '      - events',
        '    verbs:',
        '      - list',
        '      - watch',
        '  {{- end }}',
      ].join('\n'),
    );
    const rulesOf = (objects: any[]) => objects.find((o) => o.kind === 'ClusterRole').rules;
    const all = clusterRulesFor('NAME-admission');
    expect(rulesOf(rbacWithDashboard(false))).to.deep.equal(all.filter((r) => isGranted(r, [])).map(policyRuleOf));
    expect(rulesOf(rbacWithDashboard(true))).to.deep.equal(all.map(policyRuleOf));
    expect(rulesOf(rbacWithDashboard(false))).to.have.length(all.length - 1);
    // The same value sets the operator's SLUICE_DASHBOARD_PORT.
    expect(rendered['templates/operator.yaml']).to.match(/\{\{- with \.Values\.dashboard\.port \}\}\n\s+- name: SLUICE_DASHBOARD_PORT\n/);
  });

  it('the operator reads the names manifests/ sets as its defaults (nothing changes for a kubectl install)', () => {
    const keys = ['SLUICE_LEADER_ELECTION_NAME', 'SLUICE_WEBHOOK_SECRET_NAME', 'SLUICE_WEBHOOK_CONFIGURATION_NAME', 'SLUICE_SERVICE_NAME'];
    const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
    try {
      for (const k of keys) delete process.env[k];
      const defaults = defaultConfig();
      const d = parseAllDocuments(renderInstallManifests()['operator.yaml'])
        .map((x) => x.toJS())
        .find((o) => o.kind === 'Deployment');
      const env = Object.fromEntries(d.spec.template.spec.containers[0].env.map((e: { name: string; value?: string }) => [e.name, e.value]));
      expect(env.SLUICE_LEADER_ELECTION_NAME).to.equal(defaults.leaderElectionName);
      expect(env.SLUICE_WEBHOOK_SECRET_NAME).to.equal(defaults.webhookSecretName);
      expect(env.SLUICE_WEBHOOK_CONFIGURATION_NAME).to.equal(defaults.webhookConfigurationName);
      process.env.SLUICE_LEADER_ELECTION_NAME = 'a-leader-election';
      process.env.SLUICE_WEBHOOK_SECRET_NAME = 'a-webhook-tls';
      process.env.SLUICE_WEBHOOK_CONFIGURATION_NAME = 'a-admission';
      expect(defaultConfig()).to.include({
        leaderElectionName: 'a-leader-election',
        webhookSecretName: 'a-webhook-tls',
        webhookConfigurationName: 'a-admission',
      });
    } finally {
      for (const k of keys) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });
});

describe('HelmExpressions', () => {
  it('writes a text expression quoted when it is the whole scalar, inside quotes when part of one', () => {
    const h = new HelmExpressions();
    const name = h.text('include "x.fullname" .');
    const yaml = `a: ${name}\nb: ${name}-admission\nlist:\n  - ${name}\n`;
    expect(h.toTemplate(yaml)).to.equal(
      'a: {{ include "x.fullname" . | quote }}\nb: "{{ include "x.fullname" . }}-admission"\nlist:\n  - {{ include "x.fullname" . | quote }}\n',
    );
  });

  it('writes a raw expression unquoted', () => {
    const h = new HelmExpressions();
    expect(h.toTemplate(`replicas: ${h.raw<number>('.Values.n')}`)).to.equal('replicas: {{ .Values.n }}');
  });

  it("replaces a block token's line by its lines, at the line's indentation, for a key, a list item and a map entry", () => {
    const h = new HelmExpressions();
    const block = h.block<string>((key, indent) => [`{{- with .Values.r }}`, `${key}:`, `  {{- toYaml . | nindent ${indent + 2} }}`, '{{- end }}']);
    const items = h.block<string>(() => ['{{- with .Values.e }}', '- name: E', '{{- end }}']);
    const entries = h.block<string>(() => ['{{- with .Values.l }}', 'x: y', '{{- end }}']);
    const yaml = `spec:\n  resources: ${block}\n  env:\n    - ${items}\n  labels:\n    ${entries}: ""\n`;
    expect(h.toTemplate(yaml)).to.equal(
      [
        'spec:',
        '  {{- with .Values.r }}',
        '  resources:',
        '    {{- toYaml . | nindent 4 }}',
        '  {{- end }}',
        '  env:',
        '    {{- with .Values.e }}',
        '    - name: E',
        '    {{- end }}',
        '  labels:',
        '    {{- with .Values.l }}',
        '    x: y',
        '    {{- end }}',
        '',
      ].join('\n'),
    );
  });

  it('refuses a token it cannot place', () => {
    const h = new HelmExpressions();
    const block = h.block<string>(() => []);
    const raw = h.raw<number>('.Values.n');
    expect(() => h.toTemplate(`a: x-${block}`)).to.throw(/only text expressions/);
    expect(() => h.toTemplate(`a: x-${raw}`)).to.throw(/only text expressions/);
    expect(() => h.toTemplate(`a: "${h.text('.Values.t')} y"`)).to.throw(/cannot place/);
  });
});
