// The AdmissionReviews kube-apiserver 1.36 actually sent during the e2e test
// (test/fixtures/admission/recorded/, kept with SLUICE_RECORD_ADMISSION), through the handlers.
import { expect } from 'chai';
import jsonpatch from 'fast-json-patch';
import { REVISION_ANNOTATION, REVISION_OPENED_BY_ANNOTATION } from '../../../src/admission/annotations.js';
import { canaryLookupFromList } from '../../../src/admission/canary-lookup.js';
import { guardOwnedObject } from '../../../src/admission/guard-owned.js';
import { mutateDeployment } from '../../../src/admission/mutate-deployment.js';
import { patchOf, type AdmissionReview } from '../../../src/admission/review.js';
import { validateFlaggerObject } from '../../../src/admission/validate-flagger.js';
import type { Canary } from '../../../src/api/types.js';
import { templateRevision } from '../../../src/rollout/revision.js';
import { reviewFixture } from './fixtures.js';

const recorded = (name: string): AdmissionReview => reviewFixture(`recorded/${name}.json`);
const NOW = new Date('2026-11-21T23:45:00Z');
/** The e2e ran the operator and kubectl with one kubeconfig: the field manager tells them apart. */
const OPERATOR = 'sluice-admin';

/** The e2e's Canary: idle (Initialized) with the 6.0.0 template promoted. */
function e2eCanary(namespace: string): Canary {
  const promoted = templateRevision((recorded('deployment-image-change').request.oldObject as any).spec.template);
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace },
    spec: { provider: 'kubernetes', targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' }, service: { port: 9898 } },
    status: { phase: 'Initialized', lastAppliedSpec: promoted, lastPromotedSpec: promoted },
  };
}

function mutate(name: string) {
  const review = recorded(name);
  const verdict = mutateDeployment(review, canaryLookupFromList([e2eCanary(review.request.namespace!)]), { operatorUsername: OPERATOR, now: NOW });
  const result = jsonpatch.applyPatch(structuredClone(review.request.object), patchOf(verdict.review) as jsonpatch.Operation[], true, false).newDocument as any;
  expect(verdict.review.response.uid).to.equal(review.request.uid);
  return { review, verdict, result };
}

describe('handlers on reviews recorded from the real apiserver', () => {
  for (const name of ['deployment-image-change', 'deployment-image-change-dry-run', 'deployment-env-change']) {
    it(`${name}: stamps the revision of the stored template and the real username`, () => {
      const { review, result } = mutate(name);
      expect(result.metadata.annotations[REVISION_ANNOTATION]).to.equal(templateRevision((review.request.object as any).spec.template));
      expect(result.metadata.annotations[REVISION_OPENED_BY_ANNOTATION]).to.equal(review.request.userInfo.username);
    });
  }

  for (const name of ['deployment-revert', 'deployment-env-revert']) {
    it(`${name}: back to the promoted template, the stale stamp is removed`, () => {
      const { review, result } = mutate(name);
      expect((review.request.object as any).metadata.annotations).to.have.property(REVISION_ANNOTATION);
      expect(result.metadata.annotations).to.not.have.property(REVISION_ANNOTATION);
    });
  }

  for (const name of ['deployment-scale-apply', 'deployment-scale-patch']) {
    it(`${name}: the idle target is held at 0 replicas`, () => {
      const { review, verdict, result } = mutate(name);
      expect((review.request.object as any).spec.replicas).to.be.greaterThan(0);
      expect(result.spec.replicas).to.equal(0);
      expect(verdict.review.response.warnings).to.have.length(1);
    });
  }

  for (const name of ['deployment-sluice-scale-down', 'deployment-non-target']) {
    it(`${name}: no patch`, () => {
      expect(mutate(name).verdict.review.response.patch).to.equal(undefined);
    });
  }

  it('owned-primary-edit: denied; owned-primary-sluice-write: allowed', () => {
    expect(guardOwnedObject(recorded('owned-primary-edit'), { operatorUsername: OPERATOR }).review.response.allowed).to.equal(false);
    expect(guardOwnedObject(recorded('owned-primary-sluice-write'), { operatorUsername: OPERATOR }).review.response.allowed).to.equal(true);
  });

  it('canary-invalid-create: denied with 3 problems; canary-valid-create: allowed', () => {
    const denied = validateFlaggerObject(recorded('canary-invalid-create')).review.response;
    expect(denied.allowed).to.equal(false);
    expect(denied.status?.message).to.match(
      /is invalid \(3 problems\): spec\.analysis\.interval: .*; spec\.analysis\.stepWeight: .*; spec\.analysis\.metrics\[0\]: /,
    );
    expect(validateFlaggerObject(recorded('canary-valid-create')).review.response.allowed).to.equal(true);
  });

  it('the synthesized fixtures have the shape of the recorded ones', () => {
    const real = recorded('deployment-image-change').request;
    const made = reviewFixture('deployment-image-change.json').request;
    expect(Object.keys(made).sort()).to.include.members(
      Object.keys(real)
        .filter((k) => k !== 'userInfo')
        .sort(),
    );
    expect(Object.keys((made.object as any).spec.template.spec.containers[0])).to.include.members(
      Object.keys((real.object as any).spec.template.spec.containers[0]).filter((k) => k !== 'resources'),
    );
  });
});
