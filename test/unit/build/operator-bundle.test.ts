// build/bundle-operator.mjs bundles the compiled CLI with client-node so the operator runs without a
// module hook (and its worker thread). These tests fail when the bundle takes client-node's
// generated models in again, leans on a package an installed Sluice does not have, or no longer
// runs from its own directory.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
// @ts-expect-error: a plain .mjs build script without declarations
import { bundleOperator, undiciSlimSource, UNDICI_NAMES } from '../../../build/bundle-operator.mjs';

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
/** Under the package, as lib/bundle is: the bundle finds package.json by walking up. */
const outDir = join(repoRoot, `.sluice-bundle-test-${process.pid}`);

/** The package a bare import names: `@scope/name` or `name`, without a subpath. */
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

describe('the operator bundle (build/bundle-operator.mjs)', function () {
  this.timeout(120_000);
  let meta: Metafile;
  before(async () => {
    // From lib/: the build compiles src/ first (`npm run build`), as CI's `npm ci` does through prepare.
    meta = (await bundleOperator(outDir)) as Metafile;
  });
  after(() => rmSync(outDir, { recursive: true, force: true }));

  it("holds client-node's config, cache and informer but neither its index nor its generated models or APIs", () => {
    const inputs = Object.keys(meta.inputs);
    const clientNode = inputs.filter((i) => i.includes('@kubernetes/client-node/dist/'));
    for (const file of ['config.js', 'cache.js', 'informer.js'])
      expect(
        clientNode.some((i) => i.endsWith(`/dist/${file}`)),
        file,
      ).to.equal(true);
    expect(clientNode.filter((i) => i.endsWith('/dist/index.js') || i.includes('/dist/gen/models/') || i.includes('/dist/gen/apis/'))).to.deep.equal([]);
    expect(inputs.filter((i) => i.startsWith('client-node-slim:')).length, "the two slim modules and undici's").to.equal(3);
  });

  it("gives client-node every name it imports from undici, and those are undici's own: Agent, ProxyAgent and a working fetch", async () => {
    const bundled = Object.keys(meta.inputs).filter((i) => i.includes('@kubernetes/client-node/dist/'));
    const imported = new Set<string>();
    for (const file of bundled)
      for (const m of readFileSync(join(repoRoot, file), 'utf8').matchAll(/import\s*\{([^}]*)\}\s*from\s*['"]undici['"]/g))
        for (const name of m[1].split(',')) if (name.trim()) imported.add(name.trim().split(/\s+as\s+/)[0]);
    expect([...imported].sort()).to.deep.equal([...(UNDICI_NAMES as string[])].sort());

    const slimFile = join(outDir, 'undici-slim.mjs');
    writeFileSync(slimFile, undiciSlimSource() as string);
    const slim = (await import(pathToFileURL(slimFile).href)) as {
      Agent: unknown;
      ProxyAgent: unknown;
      fetch: (url: string, init?: object) => Promise<Response>;
    };
    const undici = createRequire(import.meta.url)('undici') as { Agent: unknown; ProxyAgent: unknown };
    expect(slim.Agent).to.equal(undici.Agent);
    expect(slim.ProxyAgent).to.equal(undici.ProxyAgent);
    const server = createServer((req, res) => res.end(`answered ${req.url}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const dispatcher = new (slim.Agent as new () => object)();
      const response = await slim.fetch(`http://127.0.0.1:${port}/watch`, { dispatcher });
      expect(await response.text()).to.equal('answered /watch');
    } finally {
      server.close();
    }
  });

  it('leaves to node_modules only Node built-ins and packages of its own "dependencies" (what the image keeps)', () => {
    const external = new Set<string>();
    for (const output of Object.values(meta.outputs))
      for (const imp of output.imports) if (imp.external && !imp.path.startsWith('node:')) external.add(packageOf(imp.path));
    const builtins = new Set([
      'fs',
      'path',
      'os',
      'url',
      'util',
      'http',
      'https',
      'net',
      'tls',
      'crypto',
      'stream',
      'events',
      'zlib',
      'child_process',
      'buffer',
      'querystring',
      'string_decoder',
      'assert',
      'dns',
      'worker_threads',
      'module',
      'process',
      'timers',
      'async_hooks',
      'perf_hooks',
      'readline',
      'v8',
      'vm',
      'http2',
      'diagnostics_channel',
      'tty',
    ]);
    const undeclared = [...external].filter((p) => !builtins.has(p) && !(p in pkg.dependencies) && p !== '@kubernetes/client-node');
    // client-node's own dependencies are installed beside it, hoisted into node_modules.
    const clientNodeDeps = Object.keys(
      (JSON.parse(readFileSync(join(repoRoot, 'node_modules/@kubernetes/client-node/package.json'), 'utf8')) as { dependencies: Record<string, string> })
        .dependencies,
    );
    expect(undeclared.filter((p) => !clientNodeDeps.includes(p))).to.deep.equal([]);
  });

  it('runs from its own directory: `--version` reads the package version and `validate` checks an example', () => {
    // As bin/sluice.js starts it: mark the CLI entry, then import the bundle's main.
    const entry = join(outDir, 'entry.mjs');
    writeFileSync(entry, "process.env.SLUICE_CLI_ENTRY = '1';\nawait import('./main.js');\n");
    const run = (...args: string[]) => spawnSync(process.execPath, [entry, ...args], { cwd: repoRoot, encoding: 'utf8' });
    const version = run('--version');
    expect(version.status, version.stderr).to.equal(0);
    expect(version.stdout.trim()).to.contain(pkg.version);
    const validate = run('validate', 'examples/istio');
    expect(validate.status, validate.stderr + validate.stdout).to.equal(0);
  });
});
