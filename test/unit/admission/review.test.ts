import { expect } from 'chai';
import { allow, allowWithPatch, deny, parseAdmissionReview, patchOf } from '../../../src/admission/review.js';
import { fixtureJson } from './fixtures.js';

describe('parseAdmissionReview', () => {
  const good = () => fixtureJson('deployment-image-change.json');

  it('accepts a recorded review and defaults userInfo and groups', () => {
    const body = good();
    delete body.request.userInfo;
    delete body.request.kind.group;
    const parsed = parseAdmissionReview(body);
    expect(parsed.ok).to.equal(true);
    if (parsed.ok) {
      expect(parsed.review.request.userInfo).to.deep.equal({});
      expect(parsed.review.request.kind.group).to.equal('');
    }
  });

  const refusals: [string, (b: any) => unknown, RegExp][] = [
    ['a JSON array', () => [], /not a JSON object/],
    ['null', () => null, /not a JSON object/],
    ['v1beta1 reviews', (b) => ({ ...b, apiVersion: 'admission.k8s.io/v1beta1' }), /apiVersion must be admission.k8s.io\/v1/],
    ['another kind', (b) => ({ ...b, kind: 'TokenReview' }), /kind must be AdmissionReview/],
    ['no request', (b) => ({ ...b, request: undefined }), /request is missing/],
    ['no uid', (b) => ({ ...b, request: { ...b.request, uid: '' } }), /request.uid is missing/],
    ['an unknown operation', (b) => ({ ...b, request: { ...b.request, operation: 'PATCH' } }), /request.operation must be one of/],
    ['a kind without kind', (b) => ({ ...b, request: { ...b.request, kind: { group: 'apps', version: 'v1' } } }), /request.kind/],
    ['a string object', (b) => ({ ...b, request: { ...b.request, object: 'x' } }), /request.object must be an object/],
    ['a numeric name', (b) => ({ ...b, request: { ...b.request, name: 7 } }), /request.name must be a string/],
    ['string options', (b) => ({ ...b, request: { ...b.request, options: 'x' } }), /request.options must be an object/],
  ];
  for (const [what, mutate, reason] of refusals) {
    it(`refuses ${what}, saying why`, () => {
      const parsed = parseAdmissionReview(mutate(good()));
      expect(parsed.ok).to.equal(false);
      if (!parsed.ok) expect(parsed.reason).to.match(reason);
    });
  }
});

describe('admission responses', () => {
  const request = { uid: 'u-1' };

  it('allow echoes the uid and carries warnings only when there are some', () => {
    expect(allow(request, 'n').review).to.deep.equal({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'u-1', allowed: true } });
    expect(allow(request, 'n', ['w']).review.response.warnings).to.deep.equal(['w']);
  });

  it('deny carries the status code, reason and message', () => {
    expect(deny(request, 422, 'Invalid', 'spec.x: bad').review.response).to.deep.equal({
      uid: 'u-1',
      allowed: false,
      status: { code: 422, reason: 'Invalid', message: 'spec.x: bad' },
    });
  });

  it('allowWithPatch base64-encodes a JSON Patch and round-trips through patchOf', () => {
    const ops = [{ op: 'add', path: '/metadata/annotations/a~1b', value: 'c' }];
    const verdict = allowWithPatch(request, ops, 'n');
    expect(verdict.review.response.patchType).to.equal('JSONPatch');
    expect(patchOf(verdict.review)).to.deep.equal(ops);
    expect(allowWithPatch(request, [], 'n').review.response).to.deep.equal({ uid: 'u-1', allowed: true });
  });
});
