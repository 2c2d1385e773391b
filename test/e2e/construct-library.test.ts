// Sluice as a cdk8s construct library, as a user gets it: `npm pack` makes the tarball, a new project
// in a temporary folder (its own package.json with cdk8s, cdk8s-plus-27, constructs and TypeScript)
// installs it, compiles the README's app with its own tsc and runs `cdk8s synth`; the output is
// applied to the local control plane and the operator initializes the Canary. An invalid prop fails
// synth naming the field; a wrong field, value or type fails tsc.
//
// The install is `npm install --prefer-offline`: packages come from the npm cache when it has them and
// from the registry otherwise, so the test works on a new machine too. `cdk8s synth` is the CLI of
// this repository's devDependencies (cdk8s-cli), run in the project folder, as a global install would be.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { ensureCluster, kubectl, kubectlJson, repoRoot } from '../support/cluster.js';
import { loadedModules, operatorModulesIn } from '../support/loaded-modules.js';
import { deleteNamespace, startOperator, waitForPhase, type OperatorProcess } from './support/rollout.js';

const exec = promisify(execFile);
const ns = `e2e-construct-${process.pid % 10000}`;
const cdk8sCli = join(repoRoot, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');

/** The TypeScript blocks of the README's "In your own cdk8s app" section: the app, then the preview. */
function readmeSnippets(): { app: string; preview: string } {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.split('\n## ').find((s) => s.startsWith('In your own cdk8s app'));
  if (!section) throw new Error('README.md has no "In your own cdk8s app" section');
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  if (blocks.length !== 2) throw new Error(`expected 2 ts blocks in the README section, found ${blocks.length}`);
  return { app: blocks[0], preview: blocks[1] };
}

/** `text` with the one occurrence of `from` replaced: a README edit that removes it fails loudly. */
function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`expected exactly one ${JSON.stringify(from)} in the README app`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** The environment of a user's shell: no npm_* variables of the `npm run` this test may run under. */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD'));
}

/** Runs a command as a user would in `cwd`; `out` is stdout and stderr together. */
async function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; out: string }> {
  try {
    const { stdout, stderr } = await exec(cmd, args, { cwd, env: userEnv(), maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** The stdout of a command that must succeed. */
async function mustRun(cmd: string, args: string[], cwd: string): Promise<string> {
  const { code, stdout, out } = await run(cmd, args, cwd);
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`);
  return stdout;
}

const repoPackage = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('e2e: the construct library installed from `npm pack` into a new cdk8s project', function () {
  this.timeout(10 * 60_000);
  let project: string;
  let app: string;
  let operator: OperatorProcess | undefined;

  before(async function () {
    this.timeout(60 * 60_000); // a cold build of the cluster's binaries takes ~20 min
    await ensureCluster();
    project = mkdtempSync(join(tmpdir(), 'sluice-cdk8s-app-'));
    // prepare (run by npm pack) compiles lib/ first, so the tarball holds this checkout's code.
    const packed = JSON.parse(await mustRun('npm', ['pack', '--json', '--pack-destination', project], repoRoot)) as { filename: string }[];
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify(
        {
          name: 'podinfo-app',
          private: true,
          type: 'module',
          dependencies: {
            sluice: `file:./${packed[0].filename}`,
            cdk8s: repoPackage.dependencies.cdk8s,
            'cdk8s-plus-27': repoPackage.dependencies['cdk8s-plus-27'],
            constructs: repoPackage.dependencies.constructs,
          },
          devDependencies: { typescript: repoPackage.devDependencies.typescript },
        },
        null,
        2,
      ),
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify(
        {
          // skipLibCheck off: the declarations Sluice ships are type-checked too.
          compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, skipLibCheck: false },
          files: ['main.ts', 'invalid.ts'],
        },
        null,
        2,
      ),
    );
    writeFileSync(join(project, 'cdk8s.yaml'), 'language: typescript\napp: node main.js\n');
    const snippets = readmeSnippets();
    app = replaceOnce(snippets.app, "namespace: 'test'", `namespace: '${ns}'`);
    writeFileSync(join(project, 'main.ts'), replaceOnce(app, 'app.synth();', `${snippets.preview}app.synth();`));
    writeFileSync(join(project, 'invalid.ts'), replaceOnce(app, 'stepWeight: 5,', 'stepWeight: 150,'));
    await mustRun('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], project);
  });

  after(async () => {
    await operator?.kill('SIGTERM');
    if (!process.env.SLUICE_KEEP_NAMESPACES) await deleteNamespace(ns);
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('installs one cdk8s, shared with the app, and importing `sluice` or `sluice/preview` loads no operator module', async () => {
    for (const entry of ['sluice', 'sluice/preview']) {
      const loaded = await loadedModules(entry, { cwd: project });
      expect(operatorModulesIn(loaded), entry).to.deep.equal([]);
      expect(
        loaded.some((m) => m.includes(`${project}/node_modules/sluice/lib/`)),
        entry,
      ).to.equal(true);
      const cdk8sCopies = new Set(loaded.map((m) => /^(?:file:\/\/)?(.*\/node_modules\/cdk8s)\//.exec(m)?.[1]).filter(Boolean));
      expect([...cdk8sCopies], entry).to.deep.equal([`${project}/node_modules/cdk8s`]);
    }
  });

  it("compiles the README app with the project's tsc, and `cdk8s synth` writes the Deployment, the Canary and the preview", async () => {
    await mustRun(join(project, 'node_modules', '.bin', 'tsc'), ['-p', '.'], project);
    await mustRun(process.execPath, [cdk8sCli, 'synth', '--no-check-upgrade'], project);
    const objects = parseAllDocuments(readFileSync(join(project, 'dist', 'podinfo.k8s.yaml'), 'utf8')).map((d) => d.toJS());
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).to.deep.equal(['Deployment/podinfo', 'Canary/podinfo']);
    expect(objects[1].spec.targetRef).to.deep.equal({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' });
    expect(objects[1].spec.service).to.deep.equal({ port: 9898 });
    const preview = parseAllDocuments(readFileSync(join(project, 'dist', 'preview.k8s.yaml'), 'utf8')).map((d) => d.toJS());
    expect(preview.map((o) => `${o.kind}/${o.metadata.name}`)).to.include.members(['Deployment/podinfo-primary', 'Service/podinfo', 'TrafficSplit/podinfo']);
    const split = preview.find((o) => o.kind === 'TrafficSplit');
    expect(split.spec.backends).to.deep.equal([
      { service: 'podinfo-canary', weight: '50' },
      { service: 'podinfo-primary', weight: '50' },
    ]);
  });

  it('the output applies to the local control plane and the operator initializes the Canary from it', async () => {
    await kubectl(['create', 'namespace', ns]);
    const applied = await kubectl(['apply', '--server-side', '--validate=strict', '-f', join(project, 'dist', 'podinfo.k8s.yaml')]);
    expect(applied).to.match(/deployment\.apps\/podinfo serverside-applied/);
    expect(applied).to.match(/canary\.flagger\.app\/podinfo serverside-applied/);
    operator = await startOperator();
    const status = await waitForPhase(ns, ['Initialized'], 180_000);
    expect(status.phase).to.equal('Initialized');
    const primary = await kubectlJson(['-n', ns, 'get', 'deployment', 'podinfo-primary']);
    expect(primary.spec.template.spec.containers[0].image).to.equal('ghcr.io/stefanprodan/podinfo:6.0.0');
    expect(primary.spec.selector.matchLabels).to.deep.equal({ app: 'podinfo-primary' });
    const split = await kubectlJson(['-n', ns, 'get', 'trafficsplit', 'podinfo']);
    expect(split.spec.backends).to.deep.equal([
      { service: 'podinfo-canary', weight: '0' },
      { service: 'podinfo-primary', weight: '100' },
    ]);
    expect((await kubectlJson(['-n', ns, 'get', 'service', 'podinfo'])).spec.ports[0].port).to.equal(9898);
  });

  it('an invalid prop fails `cdk8s synth`, naming the construct and the field', async () => {
    const { code, out } = await run(
      process.execPath,
      [cdk8sCli, 'synth', '--no-check-upgrade', '--app', 'node invalid.js', '--output', 'dist-invalid'],
      project,
    );
    expect(code).to.not.equal(0);
    expect(out).to.include('[podinfo/canary] spec.analysis.stepWeight: must be between 1 and 100, got 150');
  });

  it('a misspelled field, an unsupported provider and a string for a number fail tsc in the project, each at that field', async () => {
    const cases: Record<string, { from: string; to: string; field: string; error: RegExp }> = {
      'misspelled-field.ts': {
        from: 'stepWeight: 5,',
        to: 'stepWieght: 5,',
        field: 'stepWieght',
        error: /'stepWieght' does not exist in type 'CanarySpecAnalysis'/,
      },
      'unsupported-provider.ts': {
        from: "provider: 'linkerd',",
        to: "provider: 'linkrd',",
        field: 'provider',
        error: /Type '"linkrd"' is not assignable to type '[^']*"linkerd"/,
      },
      'string-for-number.ts': { from: 'maxWeight: 50,', to: "maxWeight: '50',", field: 'maxWeight', error: /Type 'string' is not assignable to type 'number'/ },
    };
    const tsc = join(project, 'node_modules', '.bin', 'tsc');
    const compile = async (files: string[]) => {
      writeFileSync(join(project, 'tsconfig.cases.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true }, files }));
      return run(tsc, ['-p', 'tsconfig.cases.json'], project);
    };
    const sources: Record<string, string> = {};
    for (const [file, c] of Object.entries(cases)) {
      sources[file] = replaceOnce(app, c.from, c.to);
      writeFileSync(join(project, file), sources[file]);
    }
    const { code, out } = await compile(Object.keys(cases));
    expect(code).to.not.equal(0);
    for (const [file, c] of Object.entries(cases)) {
      const at = new RegExp(`^${file.replace('.', '\\.')}\\((\\d+),(\\d+)\\): error TS\\d+: (.*)$`, 'm').exec(out);
      expect(at, `${file}: no error in\n${out}`).to.not.equal(null);
      expect(at![3], file).to.match(c.error);
      // The error points at the field that was changed.
      const line = sources[file].split('\n')[Number(at![1]) - 1];
      expect(line.slice(Number(at![2]) - 1), file).to.match(new RegExp(`^${c.field}\\b`));
    }
    // The README app itself compiles under the same settings: each error is its one edit's.
    writeFileSync(join(project, 'unchanged.ts'), app);
    const fine = await compile(['unchanged.ts']);
    expect(fine, fine.out).to.include({ code: 0 });
  });
});
