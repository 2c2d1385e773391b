// What `npm pack` ships: the compiled lib/ (the CLI and the operator run from it, and the construct
// library with its declarations), bin/, the CRDs, the install manifests and the chart; not the
// TypeScript sources, tests or source maps.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

describe('npm pack contents', function () {
  this.timeout(120_000);
  let files: string[];
  before(() => {
    // --ignore-scripts: the list is what matters here, not a fresh build (prepare builds lib/ on install).
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    files = (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
  });

  it('ships the compiled CLI and operator, bin/ for both command names, the CRDs, manifests/ and the chart', () => {
    expect(files).to.include.members([
      'bin/sluice.js',
      'lib/cli/main.js',
      'lib/operator/run.js',
      'lib/version.js',
      'crds/canary.yaml',
      'manifests/kustomization.yaml',
      'charts/sluice/Chart.yaml',
      'package.json',
      'README.md',
    ]);
    const pkg = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin).to.deep.equal({ sluice: 'bin/sluice.js', 'kubectl-sluice': 'bin/sluice.js' });
  });

  it('ships the construct library: its entry points with their declarations, named by exports', () => {
    expect(files).to.include.members([
      'lib/index.js',
      'lib/index.d.ts',
      'lib/preview.js',
      'lib/preview.d.ts',
      'lib/library/canary.d.ts',
      'lib/library/spec-types.d.ts',
    ]);
    const pkg = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { main: string; types: string; exports: Record<string, unknown> };
    expect(pkg.exports).to.deep.equal({
      '.': { types: './lib/index.d.ts', default: './lib/index.js' },
      './preview': { types: './lib/preview.d.ts', default: './lib/preview.js' },
      './package.json': './package.json',
    });
    expect([pkg.main, pkg.types]).to.deep.equal(['./lib/index.js', './lib/index.d.ts']);
  });

  it("ships the dashboard's page modules (sluice dashboard serves them from web/dashboard/)", () => {
    expect(files).to.include.members([
      'web/dashboard/list.html',
      'web/dashboard/canary.html',
      'web/dashboard/charts.js',
      'web/dashboard/style.css',
      'lib/dashboard/server.js',
    ]);
  });

  it('ships no TypeScript sources, tests or source maps', () => {
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.map'))).to.deep.equal([]);
  });
});
