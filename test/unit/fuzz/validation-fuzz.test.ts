// Fuzzed Canary, MetricTemplate and AlertProvider documents through validation and defaults:
// never a crash, always a list of problems; a document with no problems always resolves.
import { expect } from 'chai';
import { readManifests } from '../../../src/io/manifests.js';
import { validateDocument } from '../../../src/api/validate.js';
import { resolveCanary } from '../../../src/api/defaults.js';
import { fuzzSeed } from './seed.js';
import { Rng, mutate } from './mutate.js';
import type { Canary } from '../../../src/api/types.js';

const SEED = fuzzSeed('validation fuzz');
const N = Number(process.env.SLUICE_FUZZ_N ?? 10_000);

describe(`fuzz: ${N} flagger.app documents through validation (seed ${SEED})`, () => {
  it('never throws, and every valid Canary resolves', function () {
    this.timeout(120_000);
    const seeds = readManifests(['test/fixtures/seeds'])
      .map((d) => d.object)
      .filter((o) => ['Canary', 'MetricTemplate', 'AlertProvider'].includes(String(o.kind)));
    const rng = new Rng(SEED);
    let valid = 0;
    for (let i = 0; i < N; i++) {
      let doc: unknown = rng.pick(seeds);
      for (let m = 1 + rng.int(3); m > 0; m--) doc = mutate(doc, rng);
      (doc as Record<string, unknown>).kind ??= rng.pick(['Canary', 'MetricTemplate', 'AlertProvider']);
      const problems = validateDocument(doc);
      if (problems === null) continue;
      expect(problems, `doc ${i}`).to.be.an('array');
      for (const p of problems) expect(p.path).to.be.a('string');
      if (problems.length === 0 && (doc as Canary).kind === 'Canary') {
        expect(() => resolveCanary(doc as Canary), `doc ${i}: ${JSON.stringify(doc)}`).to.not.throw();
        valid++;
      }
    }
    console.log(`      ${valid} mutated Canaries were still valid and resolved`);
  });
});
