import { expect } from 'chai';
import { validateCanary } from '../../../src/api/validate.js';
import { resolveCanary } from '../../../src/api/defaults.js';
import { isKnativeTarget } from '../../../src/api/knative.js';
import { readManifestFile } from '../../../src/io/manifests.js';

/** Flagger's Knative tutorial Canary (docs/gitbook/tutorials/knative-progressive-delivery.md): no spec.service. */
const tutorial = (): any => structuredClone(readManifestFile('examples/knative/canary.yaml')[0].object);
const problemsOf = (c: unknown) => validateCanary(c).map((p) => `${p.path}: ${p.message}`);

describe('validation: knative', () => {
  it("accepts Flagger's Knative Canary, which has no spec.service", () => {
    expect(problemsOf(tutorial())).to.deep.equal([]);
  });

  it('refuses knative with a Deployment target, naming spec.targetRef.kind', () => {
    const c = tutorial();
    c.spec.targetRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' };
    c.spec.service = { port: 9898 };
    expect(problemsOf(c)).to.deep.equal([
      'spec.targetRef.kind: provider knative routes between the revisions of a Knative Service: targetRef must be kind Service with apiVersion serving.knative.dev/v1, got "Deployment"',
    ]);
  });

  it('refuses knative with a core/v1 Service target, naming spec.targetRef.apiVersion', () => {
    const c = tutorial();
    c.spec.targetRef.apiVersion = 'v1';
    expect(problemsOf(c)).to.deep.equal([
      'spec.targetRef.apiVersion: provider knative routes between the revisions of a Knative Service: targetRef must be kind Service with apiVersion serving.knative.dev/v1, got "v1"',
    ]);
  });

  it('refuses a Knative Service target under another provider, and an autoscalerRef beside one', () => {
    const other = tutorial();
    other.spec.provider = 'istio';
    other.spec.service = { port: 9898 };
    expect(problemsOf(other)).to.deep.equal([
      'spec.provider: a Knative Service target (serving.knative.dev/v1) is routed through its revisions: provider must be knative, got "istio"',
    ]);
    const scaled = tutorial();
    scaled.spec.autoscalerRef = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'podinfo' };
    expect(problemsOf(scaled)).to.deep.equal(['spec.autoscalerRef: Knative scales the revisions of a Knative Service itself: remove autoscalerRef']);
  });

  it('still requires spec.service of every other provider', () => {
    const c = tutorial();
    c.spec.provider = 'istio';
    c.spec.targetRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' };
    expect(problemsOf(c)).to.deep.equal(['spec.service: is required']);
  });

  it('a knative Canary without spec.service resolves to the target name', () => {
    expect(resolveCanary(tutorial()).service.name).to.equal('podinfo');
  });

  it('tells a Knative Service from a core/v1 one by its group, any version', () => {
    expect(isKnativeTarget({ apiVersion: 'serving.knative.dev/v1', kind: 'Service' })).to.equal(true);
    expect(isKnativeTarget({ apiVersion: 'serving.knative.dev/v1beta1', kind: 'Service' })).to.equal(true);
    expect(isKnativeTarget({ apiVersion: 'v1', kind: 'Service' })).to.equal(false);
    expect(isKnativeTarget({ apiVersion: 'serving.knative.dev/v1', kind: 'Route' })).to.equal(false);
  });
});
