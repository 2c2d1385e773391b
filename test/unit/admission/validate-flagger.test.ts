import { expect } from 'chai';
import { validateFlaggerObject } from '../../../src/admission/validate-flagger.js';
import { reviewFixture } from './fixtures.js';

describe('validateFlaggerObject', () => {
  it('allows a valid Canary, echoing the uid', () => {
    const review = reviewFixture('canary-valid-create.json');
    expect(validateFlaggerObject(review).review.response).to.deep.equal({ uid: review.request.uid, allowed: true });
  });

  it('denies an invalid Canary listing every problem as "path: message"', () => {
    const review = reviewFixture('canary-invalid-create.json');
    const response = validateFlaggerObject(review).review.response;
    expect(response.uid).to.equal(review.request.uid);
    expect(response.allowed).to.equal(false);
    expect(response.status?.code).to.equal(422);
    expect(response.status?.reason).to.equal('Invalid');
    const message = response.status?.message ?? '';
    expect(message).to.match(/^Canary test\/broken is invalid \(3 problems\): /);
    expect(message).to.include('spec.analysis.interval: invalid duration "soon"');
    expect(message).to.include('spec.analysis.stepWeight: must be between 1 and 100, got 150');
    expect(message).to.include('spec.analysis.metrics[1]: metric "error-rate" is not builtin');
  });

  it('lists the first 50 problems of a Canary with many, and counts the rest', () => {
    const review = reviewFixture('canary-invalid-create.json');
    const spec = (review.request.object as any).spec;
    // Each object lists 20 unknown fields and one line for the rest: 3 x 21 besides the 3 problems.
    for (const at of [spec, spec.service, spec.analysis]) for (let i = 0; i < 5_000; i++) at[`unknown${i}`] = i;
    const message = validateFlaggerObject(review).review.response.status?.message ?? '';
    expect(message).to.match(/^Canary test\/broken is invalid \(66 problems\): /);
    expect(message.split('; ')).to.have.length(51);
    expect(message).to.match(/; \.\.\. and 16 more$/);
    expect(message.length).to.be.below(4096);
  });

  it('validates updates that change the spec', () => {
    const review = reviewFixture('canary-invalid-create.json');
    review.request.operation = 'UPDATE';
    review.request.oldObject = reviewFixture('canary-valid-create.json').request.object;
    expect(validateFlaggerObject(review).review.response.allowed).to.equal(false);
  });

  it('lets an update that leaves an invalid spec alone through (labels, finalizers)', () => {
    const review = reviewFixture('canary-invalid-create.json');
    review.request.operation = 'UPDATE';
    review.request.oldObject = structuredClone(review.request.object);
    (review.request.object as any).metadata.labels = { team: 'a' };
    const verdict = validateFlaggerObject(review);
    expect(verdict.review.response.allowed).to.equal(true);
    expect(verdict.note).to.equal('spec unchanged');
  });

  it('never blocks an object being deleted (finalizer removal)', () => {
    const review = reviewFixture('canary-invalid-create.json');
    review.request.operation = 'UPDATE';
    review.request.oldObject = reviewFixture('canary-valid-create.json').request.object;
    (review.request.object as any).metadata.deletionTimestamp = '2026-11-21T23:00:00Z';
    expect(validateFlaggerObject(review).review.response.allowed).to.equal(true);
  });

  it('validates MetricTemplates and AlertProviders', () => {
    const review = reviewFixture('canary-valid-create.json');
    review.request.kind = { group: 'flagger.app', version: 'v1beta1', kind: 'MetricTemplate' };
    review.request.object = {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'MetricTemplate',
      metadata: { name: 'errors', namespace: 'test' },
      spec: { provider: { type: 'datadogg' }, query: ' ' },
    };
    const mt = validateFlaggerObject(review).review.response;
    expect(mt.allowed).to.equal(false);
    expect(mt.status?.message).to.include('spec.provider.type: unknown provider type "datadogg"');
    expect(mt.status?.message).to.include('spec.query: must not be empty');

    review.request.kind = { group: 'flagger.app', version: 'v1beta1', kind: 'AlertProvider' };
    review.request.object = {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'AlertProvider',
      metadata: { name: 'slack', namespace: 'test' },
      spec: { type: 'slack', address: 'not a url' },
    };
    const ap = validateFlaggerObject(review).review.response;
    expect(ap.allowed).to.equal(false);
    expect(ap.status?.message).to.match(/spec\.address: must be an http\(s\) URL/);
  });

  it('passes the default provider on: nginx needs an ingressRef', () => {
    const review = reviewFixture('canary-valid-create.json');
    delete (review.request.object as any).spec.provider;
    delete (review.request.object as any).spec.analysis.iterations;
    (review.request.object as any).spec.analysis.stepWeight = 10;
    expect(validateFlaggerObject(review, { defaultProvider: 'nginx' }).review.response.status?.message).to.include(
      'spec.ingressRef: is required when provider is nginx',
    );
    expect(validateFlaggerObject(review, { defaultProvider: 'istio' }).review.response.allowed).to.equal(true);
  });

  it('allows what it does not validate: deletes, other groups, subresources', () => {
    const del = reviewFixture('canary-invalid-create.json');
    del.request.operation = 'DELETE';
    expect(validateFlaggerObject(del).review.response.allowed).to.equal(true);
    const dep = reviewFixture('deployment-image-change.json');
    expect(validateFlaggerObject(dep).review.response.allowed).to.equal(true);
    const status = reviewFixture('canary-invalid-create.json');
    status.request.subResource = 'status';
    expect(validateFlaggerObject(status).review.response.allowed).to.equal(true);
  });

  it('denies a CREATE that carries no object (400)', () => {
    const review = reviewFixture('canary-valid-create.json');
    review.request.object = null;
    expect(validateFlaggerObject(review).review.response.status?.code).to.equal(400);
  });
});
