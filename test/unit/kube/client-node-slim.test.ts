// bin/client-node-slim.mjs answers two of client-node's internal imports with small modules. These
// tests fail when a client-node upgrade makes that substitution wrong (an import renamed, moved or
// using more names) or when the operator starts loading client-node's generated models again.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// @ts-expect-error: a plain .mjs hook without declarations
import { SLIM_IMPORTS } from '../../../bin/client-node-slim.mjs';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const dist = join(dirname(createRequire(import.meta.url).resolve('@kubernetes/client-node/package.json')), 'dist');
const distUrl = `${pathToFileURL(dist).href}/`;
const slimTable = SLIM_IMPORTS as Record<string, Record<string, (dist: string) => string>>;

/** The names `parent` imports from `specifier`, read from its import statement. */
function importedNames(parent: string, specifier: string): string[] {
  const source = readFileSync(join(dist, parent), 'utf8');
  const statements = [...source.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g)].filter((m) => m[2] === specifier);
  expect(statements, `${parent} imports from ${specifier}`).to.have.length(1);
  return statements[0][1]
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean)
    .sort();
}

const slimModule = (parent: string, specifier: string) =>
  import(`data:text/javascript,${encodeURIComponent(slimTable[parent][specifier](distUrl))}`) as Promise<Record<string, unknown>>;

describe('client-node slim imports (bin/client-node-slim.mjs)', () => {
  it('replaces exactly the imports client-node still has, with every name they import', async () => {
    for (const [parent, specifiers] of Object.entries(slimTable)) {
      for (const specifier of Object.keys(specifiers)) {
        const slim = await slimModule(parent, specifier);
        expect(Object.keys(slim).sort(), `${parent} -> ${specifier}`).to.deep.equal(importedNames(parent, specifier));
      }
    }
  });

  it("gives config.js the very createConfiguration and ServerConfiguration of client-node's generated index", async function () {
    this.timeout(120_000); // loads every generated model, on a busy machine
    const real = await import(`${distUrl}gen/index.js`);
    const slim = await slimModule('config.js', './gen/index.js');
    expect(slim.createConfiguration).to.equal(real.createConfiguration);
    expect(slim.ServerConfiguration).to.equal(real.ServerConfiguration);
  });

  it("gives cache.js a serializer that does what the generated one does with the only type cache.js passes ('string')", async function () {
    this.timeout(120_000); // loads every generated model, on a busy machine
    const uses = [...readFileSync(join(dist, 'cache.js'), 'utf8').matchAll(/ObjectSerializer\.(\w+)\(([^)]*)\)/g)];
    expect(uses.length).to.be.greaterThan(0);
    for (const use of uses) {
      expect(use[1]).to.equal('serialize');
      expect(use[2]).to.match(/,\s*'string'$/);
    }
    const real = (await import(`${distUrl}serializer.js`)).ObjectSerializer;
    const slim = (await slimModule('cache.js', './serializer.js')).ObjectSerializer as typeof real;
    for (const selector of ['app=podinfo', 'metadata.name=a,status.phase!=Failed', '']) {
      expect(slim.serialize(selector, 'string')).to.equal(real.serialize(selector, 'string'));
    }
  });

  it("keeps the operator from loading client-node's index or its generated models", function () {
    this.timeout(120_000);
    // A child process registers the slim hook as bin/sluice.js does, then a recorder after it (so
    // the recorder sees the final URLs), and imports the CLI and the operator.
    const out = join(mkdtempSync(join(tmpdir(), 'sluice-slim-')), 'urls.txt');
    const recorder = `data:text/javascript,${encodeURIComponent(`import { appendFileSync } from 'node:fs';
export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(out)}, r.url + '\\n'); return r; }`)}`;
    const setup = `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(join(repoRoot, 'bin/client-node-slim.mjs')).href)}); register(${JSON.stringify(recorder)});`;
    const main = `await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'src/cli/main.ts')).href)}); await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'src/operator/run.ts')).href)});`;
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(setup)}`, '--input-type=module', '-e', main],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    expect(child.status, child.stderr).to.equal(0);
    const urls = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    const clientNode = urls.filter((u) => u.includes('/@kubernetes/client-node/'));
    expect(
      clientNode.some((u) => u.endsWith('/dist/config.js')),
      'the operator loads client-node at all',
    ).to.equal(true);
    expect(urls.filter((u) => u.startsWith('data:text/javascript')).length, 'both slim modules used').to.be.at.least(2);
    expect(clientNode.filter((u) => u.endsWith('/dist/index.js') || u.includes('/dist/gen/models/') || u.includes('/dist/gen/apis/'))).to.deep.equal([]);
  });
});
