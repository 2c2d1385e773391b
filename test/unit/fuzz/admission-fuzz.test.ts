// Fuzzed AdmissionReview bodies through the admission handlers: random and mutated from the
// recorded real ones. Every body must give either a refusal with a reason or a well-formed answer.
import { expect } from 'chai';
import jsonpatch from 'fast-json-patch';
import { readFileSync, readdirSync } from 'node:fs';
import { parseAdmissionReview } from '../../../src/admission/review.js';
import { mutateDeployment } from '../../../src/admission/mutate-deployment.js';
import { validateFlaggerObject } from '../../../src/admission/validate-flagger.js';
import { guardOwnedObject } from '../../../src/admission/guard-owned.js';
import { canaryLookupOver } from '../../../src/admission/canary-lookup.js';
import { fuzzSeed } from './seed.js';
import { Rng, mutate, randomValue } from './mutate.js';
import type { Canary } from '../../../src/api/types.js';

const SEED = fuzzSeed('admission fuzz');
const N = Number(process.env.SLUICE_FUZZ_N ?? 10_000);

const dir = 'test/fixtures/admission';
const recorded = readdirSync(dir)
  .filter((f) => f.endsWith('.json') && f !== 'malformed.json')
  .map((f) => {
    try {
      return JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
    } catch {
      return undefined;
    }
  })
  .filter((x) => x && typeof x === 'object');

const canary = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test' },
  spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' }, service: { port: 9898 }, analysis: { stepWeight: 10 } },
  status: { phase: 'Succeeded', lastPromotedSpec: 'abc' },
} as unknown as Canary;
const OPERATOR = 'system:serviceaccount:sluice-system:sluice';
const lookup = canaryLookupOver((ns) => (ns === 'test' ? [canary] : []));
const handlers = [
  (r: any) => mutateDeployment(r, lookup, { operatorUsername: OPERATOR }),
  (r: any) => validateFlaggerObject(r, {}),
  (r: any) => guardOwnedObject(r, { operatorUsername: OPERATOR }),
];

describe(`fuzz: ${N} AdmissionReview bodies (seed ${SEED})`, () => {
  it('recorded reviews exist to mutate', () => expect(recorded.length).to.be.at.least(5));

  it('never throws; answers are well-formed and echo the uid', function () {
    this.timeout(120_000);
    const rng = new Rng(SEED);
    let answered = 0,
      refused = 0,
      patches = 0;
    const unapplied: string[] = [];
    for (let i = 0; i < N; i++) {
      const body = rng.next() < 0.2 ? randomValue(rng) : mutate(rng.pick(recorded), rng);
      const parsed = parseAdmissionReview(body);
      if (!parsed.ok) {
        expect(parsed.reason, `body ${i}`).to.be.a('string').and.not.equal('');
        refused++;
        continue;
      }
      for (const handler of handlers) {
        const verdict = handler(parsed.review);
        const res = verdict.review.response;
        expect(verdict.review.apiVersion).to.equal('admission.k8s.io/v1');
        expect(res.uid, `body ${i}`).to.equal(parsed.review.request.uid);
        expect(res.allowed).to.be.a('boolean');
        if (!res.allowed) expect(res.status?.message).to.be.a('string');
        if (res.patch) {
          expect(res.patchType).to.equal('JSONPatch');
          const patch = JSON.parse(Buffer.from(res.patch, 'base64').toString('utf8'));
          expect(patch).to.be.an('array');
          // The apiserver applies it to the object it sent: a patch that does not apply fails the write.
          patches++;
          try {
            jsonpatch.applyPatch(structuredClone(parsed.review.request.object), patch, true, false);
          } catch (err) {
            unapplied.push(
              `body ${i}: ${(err as Error).name} ${(err as Error).message.split('\n')[0]} -- ${JSON.stringify(patch)} on metadata ${JSON.stringify((parsed.review.request.object as any)?.metadata)?.slice(0, 300)} spec.replicas ${JSON.stringify((parsed.review.request.object as any)?.spec?.replicas)}`,
            );
          }
        }
        answered++;
      }
    }
    console.log(`      ${refused} refused as malformed, ${answered} handler answers checked, ${patches} patches applied`);
    expect(unapplied, `${unapplied.length} of ${patches} patches do not apply`).to.deep.equal([]);
    expect(refused + answered / handlers.length).to.equal(N);
  });
});
