import { expect } from 'chai';
import { knativePrimaryView, knativeTargetView } from '../../../src/controller/knative-view.js';
import { workloadReadiness } from '../../../src/rollout/readiness.js';
import { templateRevision } from '../../../src/rollout/revision.js';

const template = { spec: { containers: [{ image: 'ghcr.io/stefanprodan/podinfo:6.0.1' }] } };
const service = (status: Record<string, unknown>, annotations?: Record<string, string>, generation = 2) => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  metadata: { name: 'podinfo', namespace: 'test', generation, ...(annotations ? { annotations } : {}) },
  spec: { template, traffic: [] },
  status,
});

describe('controller: the views of a Knative Service target', () => {
  it('the target is the latest revision, carrying the Service template (its revision hash opens a rollout) and one replica', () => {
    const view = knativeTargetView(service({ observedGeneration: 2, latestCreatedRevisionName: 'podinfo-00002', latestReadyRevisionName: 'podinfo-00002' }));
    expect(view.metadata?.name).to.equal('podinfo-00002');
    expect(view.spec?.replicas).to.equal(1);
    expect(templateRevision(view.spec?.template)).to.equal(templateRevision(template));
    expect(workloadReadiness(view).ready).to.equal(true);
  });

  it('the target is not ready until Knative made the revision of the current template and it is the latest ready one', () => {
    const unobserved = knativeTargetView(
      service({ observedGeneration: 1, latestCreatedRevisionName: 'podinfo-00001', latestReadyRevisionName: 'podinfo-00001' }),
    );
    expect(workloadReadiness(unobserved)).to.include({ ready: false, reason: 'Knative has not created the revision of the current template yet' });
    const notReady = knativeTargetView(
      service({ observedGeneration: 2, latestCreatedRevisionName: 'podinfo-00002', latestReadyRevisionName: 'podinfo-00001' }),
    );
    expect(workloadReadiness(notReady)).to.include({ ready: false, reason: 'Knative Revision podinfo-00002 is not ready' });
  });

  it('there is no primary until the primary-revision annotation names one; it is ready once Knative routes to it', () => {
    expect(knativePrimaryView(service({ latestCreatedRevisionName: 'podinfo-00001' }))).to.equal(undefined);
    const annotated = { 'flagger.app/primary-revision': 'podinfo-00001' };
    const routed = knativePrimaryView(
      service({ latestReadyRevisionName: 'podinfo-00002', traffic: [{ revisionName: 'podinfo-00001', percent: 100 }] }, annotated),
    );
    expect(routed?.metadata?.name).to.equal('podinfo-00001');
    expect(workloadReadiness(routed).ready).to.equal(true);
    const unrouted = knativePrimaryView(service({ latestReadyRevisionName: 'podinfo-00002', traffic: [] }, annotated));
    expect(workloadReadiness(unrouted)).to.include({ ready: false, reason: 'Knative Revision podinfo-00001 is not ready' });
  });
});
