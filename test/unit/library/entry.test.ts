// Importing the construct library loads no operator code: a cdk8s app that declares Canaries must
// not pull in the Kubernetes client, the HTTP server, the logger or the metrics registry. A child
// process imports each entry and reports every module it resolved or required.
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { loadedModules, operatorModulesIn } from '../../support/loaded-modules.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const src = (file: string) => new URL(`../../../src/${file}`, import.meta.url).href;

describe('construct library entry points', function () {
  this.timeout(120_000);

  for (const entry of ['index.ts', 'preview.ts']) {
    it(`src/${entry} loads cdk8s and Sluice's API rules, and no operator module`, async () => {
      const loaded = await loadedModules(src(entry), { cwd: repoRoot, tsx: true });
      expect(operatorModulesIn(loaded)).to.deep.equal([]);
      // The recorder sees both kinds of module: cdk8s is CommonJS, Sluice's own files are ES modules.
      expect(loaded.some((m) => /node_modules\/cdk8s\/lib\/api-object\.js$/.test(m))).to.equal(true);
      expect(loaded.some((m) => m.endsWith('/src/api/validate.ts'))).to.equal(true);
    });
  }

  it('the check sees an operator module when one is loaded (pino, required by src/log.ts)', async () => {
    const loaded = await loadedModules('pino', { cwd: repoRoot });
    expect(operatorModulesIn(loaded).some((m) => /node_modules\/pino\//.test(m))).to.equal(true);
  });
});
