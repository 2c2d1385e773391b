// A new machine has no ~/.cache (nor any other folder a tool made on the way): the install and
// prerequisite steps must create what they write into. Runs them with HOME set to a folder that
// does not exist yet, as on a fresh machine, and once with an empty HOME for helm's path.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

function runScript(script: string, args: string[], home: string, extra: NodeJS.ProcessEnv = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, ...extra };
  delete env.SLUICE_CACHE;
  return spawnSync('bash', [join(repoRoot, script), ...args], { env, encoding: 'utf8', timeout: 300_000 });
}

describe('install steps on a new machine (HOME without .cache)', function () {
  this.timeout(300_000);
  let parent: string;
  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'sluice-new-machine-'));
  });
  afterEach(() => rmSync(parent, { recursive: true, force: true }));

  it('test/cluster/build.sh --prerequisites creates the cache folder it writes into and succeeds', () => {
    const home = join(parent, 'home-that-does-not-exist');
    // SLUICE_APT_ALWAYS: take the Debian install branch (and its log file) even where the
    // packages are installed already, as a new machine would.
    const r = runScript('test/cluster/build.sh', ['--prerequisites'], home, { SLUICE_APT_ALWAYS: '1' });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(existsSync(join(home, '.cache', 'sluice'))).to.equal(true);
    expect(existsSync(join(home, '.cache', 'sluice.apt.log'))).to.equal(true);
    expect(r.stdout).to.match(/prerequisites ready in .*home-that-does-not-exist\/\.cache\/sluice/);
  });

  it('test/cluster/build.sh --print-env names paths under the new HOME without writing anything', () => {
    const home = join(parent, 'absent');
    const r = runScript('test/cluster/build.sh', ['--print-env'], home);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.include(`K8S_BIN=${home}/.cache/sluice/bin/k8s-`);
    expect(existsSync(home)).to.equal(false);
  });
});
