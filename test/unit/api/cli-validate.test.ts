// `sluice validate` as a user runs it: exit code and output.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sluice = (...args: string[]) => spawnSync('node', ['bin/sluice.js', ...args], { encoding: 'utf8' });

describe('sluice validate', function () {
  // Each test starts the CLI as a process: seconds on a busy 2-core machine, not milliseconds.
  this.timeout(60_000);
  it('exits 0 on every seed manifest', () => {
    const r = sluice('validate', 'test/fixtures/seeds');
    expect(r.status, r.stderr + r.stdout).to.equal(0);
    expect(r.stdout).to.match(/osm-canary-podinfo\.yaml: Canary test\/podinfo: valid/);
  });

  it('exits 1 and names the field of each problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-validate-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: flagger.app/v1beta1',
        'kind: Canary',
        'metadata: {name: podinfo}',
        'spec:',
        '  provider: nginx',
        '  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}',
        '  service: {port: 9898}',
        '  analysis: {interval: 10x, stepWeight: 120}',
      ].join('\n'),
    );
    const r = sluice('validate', file);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.include('spec.ingressRef: is required when provider is nginx');
    expect(r.stdout).to.include('spec.analysis.interval: invalid duration "10x"');
    expect(r.stdout).to.include('spec.analysis.stepWeight: must be between 1 and 100, got 120');
  });

  it('exits 1 on a YAML syntax error, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-validate-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'kind: Canary\nspec: [unclosed\n');
    const r = sluice('validate', file);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include('broken.yaml');
  });
});
