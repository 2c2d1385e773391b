// `sluice check` without a Prometheus: what it reads, prints and exits with (the real-Prometheus
// runs are in test/integration/analysis.test.ts).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sluice = (args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync('node', ['bin/sluice.js', 'check', ...args], { encoding: 'utf8', env });

describe('sluice check (no Prometheus reachable)', () => {
  it('finds the MetricTemplate in the file next to the Canary, renders it, and exits 1 failing closed', () => {
    const r = sluice(['test/fixtures/seeds/gloo-canary-podinfo-custom-metric.yaml', '--prometheus', 'http://127.0.0.1:1']);
    expect(r.status, r.stderr).to.equal(1);
    expect(r.stdout).to.contain('Canary test/podinfo  provider gloo  Prometheus http://127.0.0.1:1');
    // The seed's own template, quirks included, rendered with the metric's interval.
    expect(r.stdout).to.contain(
      'query:     100 - sum( rate( http_request_duration_seconds_count{ kubernetes_namespace="test", kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)" status!="1m" }[1m]',
    );
    expect(r.stdout).to.contain('verdict:   error: Prometheus at http://127.0.0.1:1 is unreachable: connection refused (ECONNREFUSED)');
    expect(r.stdout).to.contain('threshold: max 500ms');
    expect(r.stdout).to.contain('3 checks: 0 passed, 3 did not pass');
  });

  it('reports an invalid Canary instead of checking it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-check-'));
    const file = join(dir, 'canary.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: flagger.app/v1beta1',
        'kind: Canary',
        'metadata: {name: podinfo, namespace: test}',
        'spec:',
        '  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}',
        '  service: {port: 9898}',
        '  analysis:',
        '    interval: 1m',
        '    stepWeight: 10',
        '    metrics:',
        '      - name: cpu',
        '        thresholdRange: {max: 1}',
        '',
      ].join('\n'),
    );
    const r = sluice([file]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.contain('Canary test/podinfo: invalid, not checked');
    expect(r.stdout).to.match(/metrics\[0\].*"cpu" is not builtin/);
  });

  it('a name that is not a file needs a cluster, and says so', () => {
    const home = mkdtempSync(join(tmpdir(), 'sluice-home-'));
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    delete env.KUBECONFIG;
    delete env.KUBERNETES_SERVICE_HOST;
    const r = sluice(['podinfo', '-n', 'test'], env);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain('"podinfo" is not a file, and reading it from a cluster failed: no Kubernetes configuration');
  });
});
