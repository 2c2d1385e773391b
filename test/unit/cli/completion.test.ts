// The command line's own surface: --version, shell completion derived from the command tree, and
// the kubectl plugin name.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildProgram, programName } from '../../../src/cli/main.js';
import { completionScript, completionWords } from '../../../src/cli/completion.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const version = (JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { version: string }).version;

describe('command line surface', () => {
  it("completion lists every verb and each verb's flags, for bash and zsh", () => {
    const program = buildProgram('sluice');
    const words = completionWords(program);
    for (const verb of ['run', 'validate', 'check', 'synth', 'status', 'loadtester', 'webhook', 'promote', 'completion'])
      expect(words.has(verb), verb).to.equal(true);
    expect(words.get('status')).to.include('--watch');
    const bash = completionScript(program, 'bash');
    expect(bash).to.match(/complete -F _sluice_complete sluice/);
    expect(bash).to.include('status) opts="');
    const zsh = completionScript(program, 'zsh');
    expect(zsh.split('\n')[0]).to.equal('#compdef sluice');
    expect(zsh).to.include('bashcompinit');
  });

  it('the bash script is valid bash and completes a verb', () => {
    const script = completionScript(buildProgram('sluice'), 'bash');
    const r = spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=(sluice sta); COMP_CWORD=1; _sluice_complete; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal('status');
  });

  it('is `kubectl sluice` when run as the kubectl-sluice plugin', () => {
    expect(programName('/usr/local/bin/kubectl-sluice')).to.equal('kubectl sluice');
    expect(programName('/usr/local/bin/sluice')).to.equal('sluice');
  });

  it('--version prints the package version', function () {
    this.timeout(60_000);
    const r = spawnSync(process.execPath, [`${repoRoot}/bin/sluice.js`, '--version'], { encoding: 'utf8' });
    expect(r.stdout.trim()).to.equal(version);
  });
});
