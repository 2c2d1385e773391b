import { expect } from 'chai';
import jsonpatch from 'fast-json-patch';
import { REVISION_ANNOTATION, REVISION_OPENED_BY_ANNOTATION } from '../../../src/admission/annotations.js';
import { canaryLookupFromList } from '../../../src/admission/canary-lookup.js';
import { mutateDeployment } from '../../../src/admission/mutate-deployment.js';
import { webhookConfigurations, WEBHOOK_NAMES } from '../../../src/admission/registration.js';
import { parseAdmissionReview, patchOf, type AdmissionReview } from '../../../src/admission/review.js';
import type { Canary } from '../../../src/api/types.js';
import { templateRevision } from '../../../src/rollout/revision.js';

const CONTEXT = { operatorUsername: 'system:serviceaccount:sluice-system:sluice', now: new Date('2026-11-28T18:00:00Z') };
const template = (image: string) => ({ spec: { containers: [{ image, ports: [{ containerPort: 9898 }] }] } });
const kservice = (image: string) => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  metadata: { name: 'podinfo', namespace: 'test', annotations: { 'flagger.app/primary-revision': 'podinfo-00001' } },
  spec: { template: template(image) },
});

const knativeCanary = (): Canary => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test' },
  spec: { provider: 'knative', targetRef: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'podinfo' } } as Canary['spec'],
  status: { phase: 'Succeeded', lastAppliedSpec: templateRevision(template('podinfo:6.0.0')), lastPromotedSpec: templateRevision(template('podinfo:6.0.0')) },
});

function review(group: string, kind: string, oldImage: string, image: string): AdmissionReview {
  const parsed = parseAdmissionReview({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: '7c1e2f4a-0000-4000-8000-000000000001',
      kind: { group, version: 'v1', kind },
      resource: { group, version: 'v1', resource: kind === 'Service' ? 'services' : 'deployments' },
      name: 'podinfo',
      namespace: 'test',
      operation: 'UPDATE',
      userInfo: { username: 'alice' },
      object: kservice(image),
      oldObject: kservice(oldImage),
    },
  });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.review;
}

describe('admission: a Knative Service target', () => {
  it("stamps the new revision on the Knative Service's template change, as on a Deployment's", () => {
    const r = review('serving.knative.dev', 'Service', 'podinfo:6.0.0', 'podinfo:6.0.1');
    const verdict = mutateDeployment(r, canaryLookupFromList([knativeCanary()]), CONTEXT);
    const result = jsonpatch.applyPatch(structuredClone(r.request.object), patchOf(verdict.review) as jsonpatch.Operation[], true, false).newDocument as any;
    expect(result.metadata.annotations).to.include({
      [REVISION_ANNOTATION]: templateRevision(template('podinfo:6.0.1')),
      [REVISION_OPENED_BY_ANNOTATION]: 'alice',
    });
    expect(result.metadata.annotations['flagger.app/primary-revision']).to.equal('podinfo-00001');
    expect(result.spec).to.deep.equal(r.request.object && (r.request.object as any).spec);
    expect(verdict.note).to.match(/^Knative Service test\/podinfo: revision [0-9a-f]{16} opened by alice for Canary podinfo/);
  });

  it('a core/v1 Service of the same name is not the target, nor is a Deployment named podinfo', () => {
    const core = mutateDeployment(review('', 'Service', 'podinfo:6.0.0', 'podinfo:6.0.1'), canaryLookupFromList([knativeCanary()]), CONTEXT);
    expect(core.note).to.equal('not a Deployment update (UPDATE Service)');
    expect(patchOf(core.review) ?? []).to.deep.equal([]);
    const deployment = mutateDeployment(review('apps', 'Deployment', 'podinfo:6.0.0', 'podinfo:6.0.1'), canaryLookupFromList([knativeCanary()]), CONTEXT);
    expect(deployment.note).to.equal('deployment test/podinfo is not the target of a Canary');
  });

  it('is registered for serving.knative.dev services, on template changes only, failing open', () => {
    const { mutating } = webhookConfigurations({ url: 'https://127.0.0.1:9443' }, 'CA');
    const hook = (mutating.webhooks as any[]).find((w) => w.name === WEBHOOK_NAMES.mutateKnativeServices);
    expect(hook.rules).to.deep.equal([
      { apiGroups: ['serving.knative.dev'], apiVersions: ['v1'], resources: ['services'], operations: ['UPDATE'], scope: 'Namespaced' },
    ]);
    expect(hook.matchConditions).to.deep.equal([{ name: 'template-changed', expression: 'object.spec.template != oldObject.spec.template' }]);
    expect(hook.failurePolicy).to.equal('Ignore');
    expect(hook.clientConfig.url).to.equal('https://127.0.0.1:9443/mutate/deployments');
  });
});
