// The Canary construct in a user's cdk8s app: the spec as written, the target read from a
// Deployment construct at synth time, the port taken from its containers, and every problem of
// `sluice validate` failing synth with the same field path and message.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import { Deployment, LabelSelector, StatefulSet, k8s } from 'cdk8s-plus-27';
import { Canary, type CanaryPropsSpec } from '../../../src/index.js';
import { validateFiles } from '../../../src/cli/validate.js';
import { toYamlStream } from '../../../src/io/manifests.js';

const analysis = {
  interval: '30s',
  threshold: 5,
  maxWeight: 50,
  stepWeight: 5,
  metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' }],
};

function podinfo(chart: Chart, ports: { name?: string; number: number }[] = [{ number: 9898 }]): Deployment {
  const d = new Deployment(chart, 'podinfo', {
    metadata: { name: 'podinfo' },
    podMetadata: { labels: { app: 'podinfo' } },
    containers: [{ image: 'ghcr.io/stefanprodan/podinfo:6.0.0', ports: ports.map((p) => ({ number: p.number, name: p.name })) }],
  });
  d.select(LabelSelector.of({ labels: { app: 'podinfo' } }));
  return d;
}

function chartWith(spec: (chart: Chart) => CanaryPropsSpec, namespace = 'test'): { app: App; chart: Chart; canary: Canary } {
  const app = new App({ outdir: tmpdir() });
  const chart = new Chart(app, 'podinfo', { namespace });
  const canary = new Canary(chart, 'canary', { metadata: { name: 'podinfo' }, spec: spec(chart) });
  return { app, chart, canary };
}

/** The error lines app.synth() would fail with, without the "Validation failed" heading. */
function synthErrors(app: App): string[] {
  try {
    app.synthYaml();
    return [];
  } catch (err) {
    const [heading, ...lines] = (err as Error).message.split('\n');
    if (heading !== 'Validation failed with the following errors:') throw err;
    return lines.map((l) => l.trim());
  }
}

describe('Canary construct', () => {
  it('writes a flagger.app/v1beta1 Canary with the target Deployment construct read into targetRef and the port from its container', () => {
    const { app, canary } = chartWith((chart) => ({ provider: 'linkerd', targetRef: podinfo(chart), analysis }));
    expect(synthErrors(app)).to.deep.equal([]);
    expect(canary.toJson()).to.deep.equal({
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'podinfo', namespace: 'test' },
      spec: {
        analysis,
        provider: 'linkerd',
        service: { port: 9898 },
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      },
    });
  });

  it('takes a plain targetRef and the given service as written', () => {
    const targetRef = { apiVersion: 'apps/v1', kind: 'Deployment' as const, name: 'backend' };
    const { app, canary } = chartWith(() => ({ targetRef, service: { port: 80, targetPort: 'http' }, analysis }));
    expect(synthErrors(app)).to.deep.equal([]);
    expect(canary.toJson().spec.targetRef).to.deep.equal(targetRef);
    expect(canary.toJson().spec.service).to.deep.equal({ port: 80, targetPort: 'http' });
  });

  it('reads the target when the chart is synthesized: a hashed name, and a port added after the Canary was declared', () => {
    const { app, chart, canary } = chartWith((c) => ({
      targetRef: new k8s.KubeDeployment(c, 'backend', {
        spec: {
          selector: { matchLabels: { app: 'backend' } },
          template: { metadata: { labels: { app: 'backend' } }, spec: { containers: [{ name: 'app', image: 'backend:1' }] } },
        },
      }),
      analysis,
    }));
    const backend = ApiObject.of(chart.node.findChild('backend'));
    backend.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/ports', [{ containerPort: 8080 }]));
    expect(synthErrors(app)).to.deep.equal([]);
    expect(canary.toJson().spec.targetRef).to.deep.equal({ apiVersion: 'apps/v1', kind: 'Deployment', name: backend.name });
    expect(backend.name).to.match(/^podinfo-backend-[0-9a-f]{8}$/);
    expect(canary.toJson().spec.service).to.deep.equal({ port: 8080 });
  });

  it('infers the port named or numbered by service.targetPort, and keeps a port given', () => {
    const ports = [
      { name: 'metrics', number: 9797 },
      { name: 'http', number: 9898 },
    ];
    const named = chartWith((c) => ({ targetRef: podinfo(c, ports), service: { targetPort: 'http' }, analysis }));
    expect(named.canary.toJson().spec.service).to.deep.equal({ port: 9898, targetPort: 'http' });
    const first = chartWith((c) => ({ targetRef: podinfo(c, ports), analysis }));
    expect(first.canary.toJson().spec.service).to.deep.equal({ port: 9797 });
    const given = chartWith((c) => ({ targetRef: podinfo(c, ports), service: { port: 80 }, analysis }));
    expect(given.canary.toJson().spec.service).to.deep.equal({ port: 80 });
  });

  it('comes after its Deployment in the output, so an apply creates the target first', () => {
    const app = new App({ outdir: tmpdir() });
    const chart = new Chart(app, 'podinfo', { namespace: 'test' });
    const canary = new Canary(chart, 'canary', { spec: { targetRef: podinfo(chart), analysis } });
    expect(canary.node.dependencies.map((d) => d.node.path)).to.deep.equal(['podinfo/podinfo/Resource']);
    expect(chart.toJson().map((o: { kind: string }) => o.kind)).to.deep.equal(['Deployment', 'Canary']);
  });

  describe('validation at synth time', () => {
    it('fails synth naming the field, with the message `sluice validate` prints for the same Canary', () => {
      const { app, canary } = chartWith((c) => ({ targetRef: podinfo(c), analysis: { ...analysis, stepWeight: 150, interval: '30 seconds' } }));
      const errors = synthErrors(app);
      expect(errors).to.deep.equal([
        '[podinfo/canary] spec.analysis.interval: invalid duration "30 seconds": use Go syntax such as 30s, 1m or 1h30m',
        '[podinfo/canary] spec.analysis.stepWeight: must be between 1 and 100, got 150',
      ]);
      const dir = mkdtempSync(join(tmpdir(), 'sluice-canary-'));
      try {
        writeFileSync(join(dir, 'canary.yaml'), toYamlStream([canary.toJson()]));
        const report = validateFiles([dir]);
        expect(report.lines.slice(1)).to.deep.equal(errors.map((e) => `  ${e.replace('[podinfo/canary] ', '')}`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses a target that is not a Deployment or a DaemonSet by the schema rule for spec.targetRef.kind', () => {
      const { app } = chartWith((c) => ({
        targetRef: new StatefulSet(c, 'db', { containers: [{ image: 'db:1', portNumber: 5432 }] }),
        analysis,
      }));
      expect(synthErrors(app)).to.deep.equal([
        '[podinfo/canary] spec.targetRef.kind: unsupported value "StatefulSet": must be one of "Deployment", "DaemonSet", "Service"',
      ]);
    });

    it('refuses a Deployment in another namespace, and one without a selector label to tell primary from canary pods', () => {
      const app = new App({ outdir: tmpdir() });
      const other = new Chart(app, 'apps', { namespace: 'apps' });
      const unlabelled = new Deployment(other, 'plain', { containers: [{ image: 'x:1', portNumber: 80 }] });
      new Canary(new Chart(app, 'rollouts', { namespace: 'rollouts' }), 'canary', { spec: { targetRef: unlabelled, analysis } });
      const errors = synthErrors(app);
      expect(errors).to.have.length(2);
      expect(errors[0]).to.match(
        /^\[rollouts\/canary\] spec\.targetRef: Deployment apps-plain-\w+ is in namespace apps and the Canary in rollouts: a Canary targets a Deployment of its own namespace$/,
      );
      expect(errors[1]).to.match(
        /^\[rollouts\/canary\] spec\.targetRef: Deployment apps-plain-\w+ selects its pods by none of the labels app, name, app\.kubernetes\.io\/name;/,
      );
    });

    it('asks for spec.service.port when there is no port to infer', () => {
      const plain = chartWith(() => ({ targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' }, analysis }));
      expect(synthErrors(plain.app)).to.deep.equal(['[podinfo/canary] spec.service.port: is required']);
      const portless = chartWith((c) => ({ targetRef: podinfo(c, []), analysis }));
      expect(synthErrors(portless.app)).to.deep.equal(['[podinfo/canary] spec.service.port: is required']);
    });

    it('refuses what the types allow and validate does not: provider nginx without spec.ingressRef', () => {
      const { app } = chartWith((c) => ({ provider: 'nginx', targetRef: podinfo(c), analysis }));
      expect(synthErrors(app)).to.deep.equal(['[podinfo/canary] spec.ingressRef: is required when provider is nginx (the Ingress to clone for the canary)']);
    });
  });
});
