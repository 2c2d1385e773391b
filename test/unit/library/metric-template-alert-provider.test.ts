// MetricTemplate and AlertProvider constructs: written as the CRDs expect, validated at synth time
// with `sluice validate`'s field paths and messages.
import { expect } from 'chai';
import { tmpdir } from 'node:os';
import { App, Chart } from 'cdk8s';
import { AlertProvider, MetricTemplate } from '../../../src/index.js';

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

describe('MetricTemplate and AlertProvider constructs', () => {
  it('write flagger.app/v1beta1 objects with the spec as given', () => {
    const app = new App({ outdir: tmpdir() });
    const chart = new Chart(app, 'analysis', { namespace: 'test' });
    const latency = new MetricTemplate(chart, 'latency', {
      metadata: { name: 'latency' },
      spec: { provider: { type: 'prometheus', address: 'http://prometheus:9090' }, query: 'histogram_quantile(0.99, rate(x[{{ interval }}]))' },
    });
    const slack = new AlertProvider(chart, 'slack', {
      metadata: { name: 'on-call' },
      spec: { type: 'slack', channel: 'alerts', address: 'https://hooks.slack.com/services/x' },
    });
    expect(synthErrors(app)).to.deep.equal([]);
    expect(latency.toJson()).to.deep.equal({
      apiVersion: 'flagger.app/v1beta1',
      kind: 'MetricTemplate',
      metadata: { name: 'latency', namespace: 'test' },
      spec: { provider: { address: 'http://prometheus:9090', type: 'prometheus' }, query: 'histogram_quantile(0.99, rate(x[{{ interval }}]))' },
    });
    expect(slack.toJson()).to.deep.equal({
      apiVersion: 'flagger.app/v1beta1',
      kind: 'AlertProvider',
      metadata: { name: 'on-call', namespace: 'test' },
      spec: { address: 'https://hooks.slack.com/services/x', channel: 'alerts', type: 'slack' },
    });
  });

  it('fail synth naming each invalid field', () => {
    const app = new App({ outdir: tmpdir() });
    const chart = new Chart(app, 'analysis', { namespace: 'test' });
    new MetricTemplate(chart, 'latency', { spec: { provider: { type: 'prometheus', address: 'prometheus:9090' }, query: ' ' } });
    new AlertProvider(chart, 'slack', { spec: { type: 'slack' } });
    expect(synthErrors(app)).to.deep.equal([
      '[analysis/latency] spec.provider.address: must be an http(s) URL, got "prometheus:9090"',
      '[analysis/latency] spec.query: must not be empty',
      '[analysis/slack] spec.address: is required unless spec.secretRef names a Secret with an address',
    ]);
  });
});
