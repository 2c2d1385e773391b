import { expect } from 'chai';
import jsonpatch from 'fast-json-patch';
import { REVISION_ANNOTATION, REVISION_OPENED_AT_ANNOTATION, REVISION_OPENED_BY_ANNOTATION } from '../../../src/admission/annotations.js';
import { canaryLookupFromList } from '../../../src/admission/canary-lookup.js';
import { mutateDeployment } from '../../../src/admission/mutate-deployment.js';
import { patchOf, type AdmissionReview } from '../../../src/admission/review.js';
import type { CanaryPhase } from '../../../src/api/types.js';
import { templateRevision } from '../../../src/rollout/revision.js';
import { podinfoCanary, reviewFixture } from './fixtures.js';

const NOW = new Date('2026-11-21T23:30:00.456Z');
/** The operator's ServiceAccount, as a SelfSubjectReview names it in a cluster. */
const OPERATOR = 'system:serviceaccount:sluice-system:sluice';
const CONTEXT = { operatorUsername: OPERATOR, now: NOW };
const lookup = (phase: CanaryPhase = 'Succeeded') => canaryLookupFromList([podinfoCanary(phase)]);

/** The object the apiserver would store: the request's object with the response's patch applied. */
function patched(review: AdmissionReview, phase: CanaryPhase = 'Succeeded'): { result: any; verdict: ReturnType<typeof mutateDeployment> } {
  const verdict = mutateDeployment(review, lookup(phase), CONTEXT);
  const patch = patchOf(verdict.review) as jsonpatch.Operation[];
  const result = jsonpatch.applyPatch(structuredClone(review.request.object), patch, true, false).newDocument;
  return { result, verdict };
}

describe('mutateDeployment (recorded reviews)', () => {
  it('image change: stamps revision, opened-at and opened-by, and echoes the uid', () => {
    const review = reviewFixture('deployment-image-change.json');
    const { result, verdict } = patched(review);
    const response = verdict.review.response;
    expect(response.uid).to.equal(review.request.uid);
    expect(response.allowed).to.equal(true);
    expect(response.patchType).to.equal('JSONPatch');
    expect(result.metadata.annotations).to.include({
      [REVISION_ANNOTATION]: templateRevision((review.request.object as any).spec.template),
      [REVISION_OPENED_AT_ANNOTATION]: '2026-11-21T23:30:00Z',
      [REVISION_OPENED_BY_ANNOTATION]: 'kubernetes-admin',
    });
    // Existing annotations stay; nothing but annotations changes.
    expect(result.metadata.annotations['deployment.kubernetes.io/revision']).to.equal('3');
    expect(result.spec).to.deep.equal((review.request.object as any).spec);
    expect(verdict.note).to.match(/revision [0-9a-f]{16} opened by kubernetes-admin for Canary podinfo/);
  });

  it('escapes "/" in annotation keys as ~1 in the patch paths', () => {
    const patch = patchOf(mutateDeployment(reviewFixture('deployment-image-change.json'), lookup(), CONTEXT).review) as { path: string }[];
    expect(patch.map((op) => op.path)).to.include('/metadata/annotations/sluice.dev~1revision');
  });

  it('adds the annotations object when the Deployment has none', () => {
    const review = reviewFixture('deployment-image-change.json');
    delete (review.request.object as any).metadata.annotations;
    const { result } = patched(review);
    expect(Object.keys(result.metadata.annotations)).to.have.members([REVISION_ANNOTATION, REVISION_OPENED_AT_ANNOTATION, REVISION_OPENED_BY_ANNOTATION]);
  });

  it('env change: stamps a new revision, whatever the phase', () => {
    for (const phase of ['Succeeded', 'Progressing', 'Failed', ''] as CanaryPhase[]) {
      const review = reviewFixture('deployment-env-change.json');
      const { result } = patched(review, phase);
      expect(result.metadata.annotations[REVISION_ANNOTATION], phase).to.equal(templateRevision((review.request.object as any).spec.template));
    }
  });

  it('scale only on an idle target: keeps replicas at 0, warns, stamps nothing', () => {
    const review = reviewFixture('deployment-scale-only.json');
    const { result, verdict } = patched(review, 'Succeeded');
    expect(result.spec.replicas).to.equal(0);
    expect(result.metadata.annotations).to.not.have.property(REVISION_ANNOTATION);
    expect(verdict.review.response.warnings?.[0]).to.match(/^spec\.replicas kept at 0: Sluice scales podinfo while Canary podinfo is idle \(Succeeded\)/);
    expect(patchOf(verdict.review)).to.deep.equal([{ op: 'replace', path: '/spec/replicas', value: 0 }]);
  });

  it('scale only: holds in Initialized and Failed too, but not during a rollout', () => {
    for (const phase of ['Initialized', 'Failed'] as CanaryPhase[]) {
      expect(patched(reviewFixture('deployment-scale-only.json'), phase).result.spec.replicas, phase).to.equal(0);
    }
    for (const phase of ['Progressing', 'Promoting', 'Finalising', 'Initializing', ''] as CanaryPhase[]) {
      const { result, verdict } = patched(reviewFixture('deployment-scale-only.json'), phase);
      expect(result.spec.replicas, phase).to.equal(3);
      expect(verdict.review.response.patch, phase).to.equal(undefined);
    }
  });

  it('scale only: Sluice itself (its username, field manager sluice) scales freely', () => {
    const review = reviewFixture('deployment-scale-only.json');
    review.request.userInfo = { username: OPERATOR };
    review.request.options = { ...review.request.options, fieldManager: 'sluice' };
    const verdict = mutateDeployment(review, lookup('Succeeded'), CONTEXT);
    expect(verdict.review.response.patch).to.equal(undefined);
    expect(verdict.note).to.match(/pod template unchanged/);
  });

  it('scale only: another user claiming field manager sluice (kubectl --field-manager=sluice) is held at 0', () => {
    const review = reviewFixture('deployment-scale-only.json');
    expect(review.request.userInfo.username).to.equal('kubernetes-admin');
    review.request.options = { ...review.request.options, fieldManager: 'sluice' };
    const { result, verdict } = patched(review);
    expect(result.spec.replicas).to.equal(0);
    expect(verdict.review.response.warnings?.[0]).to.match(/^spec\.replicas kept at 0/);
  });

  it("scale only: the operator's username with another field manager (shared credentials outside a cluster) is held at 0", () => {
    const review = reviewFixture('deployment-scale-only.json');
    review.request.userInfo = { username: OPERATOR };
    expect(patched(review).result.spec.replicas).to.equal(0);
  });

  it('scale only: with no operator username known, nobody is exempt', () => {
    const review = reviewFixture('deployment-scale-only.json');
    review.request.userInfo = { username: OPERATOR };
    review.request.options = { ...review.request.options, fieldManager: 'sluice' };
    const verdict = mutateDeployment(review, lookup('Succeeded'), { operatorUsername: undefined, now: NOW });
    expect(verdict.review.response.warnings?.[0]).to.match(/^spec\.replicas kept at 0/);
  });

  it('scale only: a target not at 0 is not held', () => {
    const review = reviewFixture('deployment-scale-only.json');
    (review.request.oldObject as any).spec.replicas = 1;
    expect(mutateDeployment(review, lookup('Succeeded'), CONTEXT).review.response.patch).to.equal(undefined);
  });

  it('image change and scale-up together on an idle target: stamps and holds', () => {
    const review = reviewFixture('deployment-image-change.json');
    (review.request.object as any).spec.replicas = 4;
    const { result } = patched(review, 'Succeeded');
    expect(result.spec.replicas).to.equal(0);
    expect(result.metadata.annotations).to.have.property(REVISION_ANNOTATION);
  });

  it('no-op apply (same template, keys in another order, a new label): no patch', () => {
    const review = reviewFixture('deployment-noop-apply.json');
    const verdict = mutateDeployment(review, lookup(), CONTEXT);
    expect(verdict.review.response).to.deep.equal({ uid: review.request.uid, allowed: true });
    expect(verdict.note).to.match(/no new revision: pod template unchanged/);
  });

  it("revert to the primary's template: opens nothing and removes the stale stamp", () => {
    const review = reviewFixture('deployment-revert.json');
    const { result, verdict } = patched(review, 'Progressing');
    for (const key of [REVISION_ANNOTATION, REVISION_OPENED_AT_ANNOTATION, REVISION_OPENED_BY_ANNOTATION]) {
      expect(result.metadata.annotations).to.not.have.property(key);
    }
    expect(result.metadata.annotations['deployment.kubernetes.io/revision']).to.equal('3');
    expect(verdict.note).to.match(/is the promoted revision [0-9a-f]{16} \(a revert opens no rollout\); stale revision annotations removed/);
  });

  it('non-target Deployment: allowed untouched', () => {
    const review = reviewFixture('deployment-non-target.json');
    const verdict = mutateDeployment(review, lookup(), CONTEXT);
    expect(verdict.review.response).to.deep.equal({ uid: review.request.uid, allowed: true });
    expect(verdict.note).to.equal('deployment test/frontend is not the target of a Canary');
  });

  it('a Canary in another namespace does not make a Deployment its target', () => {
    const canary = podinfoCanary();
    canary.metadata.namespace = 'other';
    const verdict = mutateDeployment(reviewFixture('deployment-image-change.json'), canaryLookupFromList([canary]), CONTEXT);
    expect(verdict.review.response.patch).to.equal(undefined);
  });

  it('anything but a Deployment UPDATE is allowed untouched', () => {
    const create = reviewFixture('deployment-image-change.json');
    create.request.operation = 'CREATE';
    create.request.oldObject = null;
    expect(mutateDeployment(create, lookup(), CONTEXT).review.response).to.deep.equal({ uid: create.request.uid, allowed: true });
    const scale = reviewFixture('deployment-scale-only.json');
    scale.request.subResource = 'scale';
    expect(mutateDeployment(scale, lookup(), CONTEXT).review.response.patch).to.equal(undefined);
    const canary = reviewFixture('canary-valid-create.json');
    expect(mutateDeployment(canary, lookup(), CONTEXT).review.response.allowed).to.equal(true);
  });

  it('every patch applies to its object: no metadata gets a whole /metadata, a metadata that is not a map no stamp (found by the fuzzer)', () => {
    for (const metadata of [undefined, null, '{{ oops }}', 80991.5, ['x']]) {
      const review = reviewFixture('deployment-image-change.json');
      if (metadata === undefined) delete (review.request.object as any).metadata;
      else (review.request.object as any).metadata = metadata;
      const verdict = mutateDeployment(review, lookup(), CONTEXT);
      const patch = patchOf(verdict.review) as jsonpatch.Operation[];
      expect(() => jsonpatch.applyPatch(structuredClone(review.request.object), patch, true, false), JSON.stringify(metadata)).to.not.throw();
      if (metadata === undefined) expect(patch[0]).to.deep.include({ op: 'add', path: '/metadata' });
      else expect(verdict.note, JSON.stringify(metadata)).to.match(/no new revision: metadata is .*, not a map/);
    }
  });

  it('replicas that are not a number are no scale-up, and do not throw (found by the fuzzer, seed 1473089041)', () => {
    const review = reviewFixture('deployment-scale-only.json');
    (review.request.object as any).spec.replicas = { toString: 5 };
    (review.request.oldObject as any).spec.replicas = { valueOf: 'x' };
    const verdict = mutateDeployment(review, lookup('Succeeded'), CONTEXT);
    expect(verdict.review.response.patch).to.equal(undefined);
  });

  it('is a pure function of the review, the lookup and the time', () => {
    const a = mutateDeployment(reviewFixture('deployment-image-change.json'), lookup(), CONTEXT);
    const b = mutateDeployment(reviewFixture('deployment-image-change.json'), lookup(), CONTEXT);
    expect(a).to.deep.equal(b);
  });
});

describe('mutateDeployment on malformed objects', () => {
  it('treats annotations that are not a map as absent instead of throwing', () => {
    for (const annotations of ['oops', 7, ['a'], null]) {
      const review = reviewFixture('deployment-revert.json');
      (review.request.object as any).metadata.annotations = annotations;
      (review.request.oldObject as any).metadata.annotations = annotations;
      expect(() => mutateDeployment(review, lookup('Progressing'), CONTEXT), String(annotations)).to.not.throw();
      const stamp = reviewFixture('deployment-image-change.json');
      (stamp.request.object as any).metadata.annotations = annotations;
      expect(patchOf(mutateDeployment(stamp, lookup(), CONTEXT).review)[0]).to.deep.include({ op: 'add', path: '/metadata/annotations' });
    }
  });
});
