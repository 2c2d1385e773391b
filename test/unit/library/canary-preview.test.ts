// The preview construct renders into the user's chart what the controller would apply at a given
// weight: the same objects `sluice synth` prints for the same Canary and Deployment, because both
// run synthesizeCanary.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ApiObject, App, Chart } from 'cdk8s';
import { Deployment, LabelSelector } from 'cdk8s-plus-27';
import { Canary } from '../../../src/index.js';
import { CanaryPreview } from '../../../src/preview.js';
import { synthYaml } from '../../../src/cli/synth.js';
import { toYamlStream } from '../../../src/io/manifests.js';

const analysis = { interval: '30s', threshold: 5, maxWeight: 50, stepWeight: 10, metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }] };

function app(): { app: App; chart: Chart; deployment: Deployment } {
  const a = new App({ outdir: tmpdir() });
  const chart = new Chart(a, 'podinfo', { namespace: 'test' });
  const deployment = new Deployment(chart, 'podinfo', {
    metadata: { name: 'podinfo' },
    podMetadata: { labels: { app: 'podinfo' } },
    containers: [{ image: 'ghcr.io/stefanprodan/podinfo:6.0.0', portNumber: 9898 }],
  });
  deployment.select(LabelSelector.of({ labels: { app: 'podinfo' } }));
  return { app: a, chart, deployment };
}

function synthErrors(a: App): string[] {
  try {
    a.synthYaml();
    return [];
  } catch (err) {
    const [heading, ...lines] = (err as Error).message.split('\n');
    if (heading !== 'Validation failed with the following errors:') throw err;
    return lines.map((l) => l.trim());
  }
}

/** What `sluice synth --weight <weight>` prints for these objects. */
function sluiceSynth(objects: unknown[], weight: number): unknown[] {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-preview-'));
  try {
    writeFileSync(join(dir, 'app.yaml'), toYamlStream(objects));
    return parseAllDocuments(synthYaml([dir], { weight })).map((d) => d.toJS());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('CanaryPreview construct', () => {
  for (const [provider, weight] of [
    ['istio', 30],
    ['linkerd', 30],
    ['kubernetes', 100],
  ] as const) {
    it(`renders what \`sluice synth\` prints for the same Canary (${provider}, weight ${weight})`, () => {
      const { app: a, chart, deployment } = app();
      const canary = new Canary(chart, 'canary', {
        metadata: { name: 'podinfo' },
        spec: { provider, targetRef: deployment, analysis: provider === 'kubernetes' ? { iterations: 3 } : analysis },
      });
      const preview = new CanaryPreview(new Chart(a, 'preview'), 'step', { canary, weight });
      expect(synthErrors(a)).to.deep.equal([]);
      const rendered = preview.objects.map((o) => o.toJson());
      expect(rendered).to.deep.equal(sluiceSynth([ApiObject.of(deployment).toJson(), canary.toJson()], weight));
      expect(rendered.map((o) => `${o.kind}/${o.metadata.name}`)).to.include.members([
        'Deployment/podinfo-primary',
        'Service/podinfo',
        'Service/podinfo-canary',
        'Service/podinfo-primary',
      ]);
      if (provider === 'linkerd') {
        const split = rendered.find((o) => o.kind === 'TrafficSplit');
        expect(split.spec.backends).to.deep.equal([
          { service: 'podinfo-canary', weight: '30' },
          { service: 'podinfo-primary', weight: '70' },
        ]);
      }
    });
  }

  it('renders the gloo-mesh delegate from the RouteTable given as routeTable, as `sluice synth` does from the same objects', () => {
    const { app: a, chart, deployment } = app();
    const table = new ApiObject(chart, 'routetable', {
      apiVersion: 'networking.gloo.solo.io/v2',
      kind: 'RouteTable',
      metadata: { name: 'podinfo', labels: { expose: 'true' } },
      spec: { hosts: ['podinfo.test.svc.cluster.local'], http: [{ delegate: { routeTables: [{ name: 'podinfo-delegate' }] } }] },
    });
    const canary = new Canary(chart, 'canary', {
      metadata: { name: 'podinfo' },
      spec: { provider: 'gloo-mesh', targetRef: deployment, routeTableRef: { name: 'podinfo' }, analysis },
    });
    const preview = new CanaryPreview(new Chart(a, 'preview'), 'step', { canary, weight: 30, routeTable: table });
    expect(synthErrors(a)).to.deep.equal([]);
    const rendered = preview.objects.map((o) => o.toJson());
    expect(rendered).to.deep.equal(sluiceSynth([ApiObject.of(deployment).toJson(), table.toJson(), canary.toJson()], 30));
    const delegate = rendered.find((o) => o.kind === 'RouteTable');
    expect(delegate.metadata).to.include({ name: 'podinfo-delegate', namespace: 'test' });
    expect(delegate.spec.http[0].forwardTo.destinations.map((d: any) => [d.ref.name, d.weight])).to.deep.equal([
      ['podinfo-primary', 70],
      ['podinfo-canary', 30],
    ]);
  });

  it('takes the target from its own prop when the Canary names the Deployment by a plain reference', () => {
    const { app: a, chart, deployment } = app();
    const canary = new Canary(chart, 'canary', {
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' }, service: { port: 9898 }, analysis },
    });
    expect(synthErrors(a)).to.deep.equal([]);
    const without = new CanaryPreview(chart, 'no-target', { canary });
    expect(without.objects).to.deep.equal([]);
    expect(synthErrors(a)).to.deep.equal(["[podinfo/no-target] target: is required when the Canary's spec.targetRef is a plain reference"]);
    const withTarget = new CanaryPreview(new Chart(a, 'preview'), 'p', { canary, target: deployment });
    expect(withTarget.objects.map((o) => o.name)).to.include('podinfo-primary');
  });

  it('fails synth on a weight out of range, on an invalid Canary, and on a synthesis error, naming the field', () => {
    const { app: a, chart, deployment } = app();
    const canary = new Canary(chart, 'canary', { spec: { targetRef: deployment, analysis } });
    new CanaryPreview(chart, 'too-much', { canary, weight: 130 });
    new CanaryPreview(chart, 'mirror', { canary, weight: 10, mirror: true, provider: 'linkerd' });
    const broken = new Canary(chart, 'broken', { spec: { targetRef: deployment, analysis: { ...analysis, stepWeight: 0 } } });
    new CanaryPreview(chart, 'of-broken', { canary: broken });
    expect(synthErrors(a)).to.deep.equal([
      '[podinfo/too-much] weight: must be an integer from 0 to 100, got 130',
      '[podinfo/mirror] spec.analysis.mirror: provider linkerd cannot mirror traffic',
      '[podinfo/broken] spec.analysis.stepWeight: must be between 1 and 100, got 0',
      '[podinfo/of-broken] canary: podinfo/broken is invalid; its own errors say why',
    ]);
  });

  it('fails synth when the Canary or its Deployment changes after the preview rendered them', () => {
    const { app: a, chart, deployment } = app();
    const canary = new Canary(chart, 'canary', { spec: { targetRef: deployment, analysis } });
    new CanaryPreview(chart, 'early', { canary, weight: 10 });
    expect(synthErrors(a)).to.deep.equal([]);
    deployment.addContainer({ name: 'sidecar', image: 'envoy:1', portNumber: 15000 });
    expect(synthErrors(a)).to.deep.equal([
      '[podinfo/early] canary: podinfo/canary or its target changed after this preview rendered it: declare the CanaryPreview after both',
    ]);
  });
});
