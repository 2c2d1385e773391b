// Values Flagger accepts that are suspicious (issue #14): Sluice accepts them too, valid, with a
// warning naming the field (admission warnings and `sluice validate`; the admission tests check
// the review carries them).
import { expect } from 'chai';
import { formatProblem } from '../../../src/api/problem.js';
import { validateDocument } from '../../../src/api/validate.js';
import { documentWarnings, suspiciousValues } from '../../../src/api/warnings.js';
import { validateFlaggerObject } from '../../../src/admission/validate-flagger.js';
import { validateFiles } from '../../../src/cli/validate.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

const canary = (edit: (spec: any) => void = () => undefined) => {
  const doc: any = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10, metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }] },
    },
  };
  edit(doc.spec);
  return doc;
};

const CASES = [
  {
    what: "targetRef.apiVersion v1 with kind Deployment (Flagger's FAQ writes it so; Flagger ignores the apiVersion)",
    doc: canary((s) => (s.targetRef.apiVersion = 'v1')),
    says: 'spec.targetRef.apiVersion: "v1" is not a Deployment\'s apiVersion; Flagger and Sluice ignore it and read apps/v1 Deployment podinfo: write apps/v1',
  },
  {
    what: 'targetRef.apiVersion extensions/v1beta1, a Deployment version the apiserver no longer serves',
    doc: canary((s) => (s.targetRef.apiVersion = 'extensions/v1beta1')),
    says: 'spec.targetRef.apiVersion: "extensions/v1beta1" is not a Deployment\'s apiVersion; Flagger and Sluice ignore it and read apps/v1 Deployment podinfo: write apps/v1',
  },
  {
    what: 'autoscalerRef.apiVersion that is not autoscaling/*',
    doc: canary((s) => (s.autoscalerRef = { apiVersion: 'apps/v1', kind: 'HorizontalPodAutoscaler', name: 'podinfo' })),
    says: 'spec.autoscalerRef.apiVersion: "apps/v1" is not a HorizontalPodAutoscaler\'s apiVersion; Flagger and Sluice ignore it and read HorizontalPodAutoscaler podinfo as autoscaling/v2: write autoscaling/v2',
  },
  {
    what: 'mirrorWeight without mirror',
    doc: canary((s) => (s.analysis.mirrorWeight = 50)),
    says: 'spec.analysis.mirrorWeight: is ignored without spec.analysis.mirror: true (no traffic is mirrored)',
  },
];

describe('suspicious values: accepted, with a warning', () => {
  for (const c of CASES) {
    it(`${c.what}: valid, and warned about naming the field`, () => {
      expect(validateDocument(c.doc)).to.deep.equal([]);
      expect(documentWarnings(c.doc).map(formatProblem)).to.deep.equal([c.says]);
    });
  }

  it('the usual values are not warned about: apps/v1, autoscaling/v2beta2, mirrorWeight with mirror', () => {
    const fine = canary((s) => {
      s.autoscalerRef = { apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', name: 'podinfo' };
      s.provider = 'istio';
      s.analysis.mirror = true;
      s.analysis.mirrorWeight = 20;
    });
    expect(validateDocument(fine)).to.deep.equal([]);
    expect(documentWarnings(fine)).to.deep.equal([]);
  });

  it('the deprecated canaryAnalysis is read too, and its path named', () => {
    const doc = canary((s) => {
      s.canaryAnalysis = { ...s.analysis, mirrorWeight: 5 };
      delete s.analysis;
    });
    expect(suspiciousValues(doc).map(formatProblem)).to.deep.equal([
      'spec.canaryAnalysis.mirrorWeight: is ignored without spec.canaryAnalysis.mirror: true (no traffic is mirrored)',
    ]);
  });

  it('never throws on a document of the wrong shape, and warns about no other kind', () => {
    for (const doc of [null, 7, 'x', {}, { kind: 'Canary' }, { kind: 'Canary', spec: null }, { kind: 'Canary', spec: { targetRef: 'podinfo', analysis: 3 } }]) {
      expect(() => documentWarnings(doc)).not.to.throw();
    }
    expect(documentWarnings({ ...canary((s) => (s.targetRef.apiVersion = 'v1')), kind: 'MetricTemplate' })).to.deep.equal([]);
  });

  it("a MetricTemplate of flagger.app/v1alpha1 (Flagger's CloudWatch docs): valid, with a warning that the CRD does not serve that version", () => {
    const template = {
      apiVersion: 'flagger.app/v1alpha1',
      kind: 'MetricTemplate',
      metadata: { name: 'cloudwatch-error-rate' },
      spec: { provider: { type: 'cloudwatch', region: 'ap-northeast-1' }, query: '[]' },
    };
    expect(validateDocument(template)).to.deep.equal([]);
    expect(documentWarnings(template).map(formatProblem)).to.deep.equal([
      'apiVersion: "flagger.app/v1alpha1" is not served (the CRD serves flagger.app/v1beta1 only), so the apiserver refuses it: write flagger.app/v1beta1',
    ]);
    expect(documentWarnings({ ...template, apiVersion: 'flagger.app/v1beta1' })).to.deep.equal([]);
    const provider = {
      apiVersion: 'flagger.app/v1alpha1',
      kind: 'AlertProvider',
      metadata: { name: 'on-call' },
      spec: { type: 'slack', address: 'https://hooks.slack.com/x' },
    };
    expect(documentWarnings(provider).map((p) => p.path)).to.deep.equal(['apiVersion']);
  });

  it('the validating webhook allows such a Canary and sends the warning back (kubectl prints it)', () => {
    const doc = canary((s) => (s.targetRef.apiVersion = 'v1'));
    const verdict = validateFlaggerObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'u-1',
        kind: { group: 'flagger.app', version: 'v1beta1', kind: 'Canary' },
        resource: { group: 'flagger.app', version: 'v1beta1', resource: 'canaries' },
        name: 'podinfo',
        namespace: 'test',
        operation: 'CREATE',
        userInfo: { username: 'dev' },
        object: doc,
      },
    });
    expect(verdict.review.response).to.deep.equal({ uid: 'u-1', allowed: true, warnings: [CASES[0].says] });
  });

  it('sluice validate says the Canary is valid and prints the warning under it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-warnings-'));
    writeFileSync(join(dir, 'canary.yaml'), stringify(canary((s) => (s.targetRef.apiVersion = 'v1'))));
    const report = validateFiles([dir]);
    expect(report).to.include({ invalid: 0, checked: 1 });
    expect(report.lines).to.deep.equal([`${join(dir, 'canary.yaml')}: Canary test/podinfo: valid`, `  warning: ${CASES[0].says}`]);
  });
});
