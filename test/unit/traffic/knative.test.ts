import { expect } from 'chai';
import {
  knativeStep,
  resolveTraffic,
  revisionObjects,
  GENERATION_LABEL,
  REVISION_LABEL,
  SERVICE_LABEL,
  TEMPLATE_HASH_ANNOTATION,
} from '../../traffic/knative.js';
import { knative } from '../../traffic/observers/knative.js';
import { renderBuiltinQuery } from '../../../src/analysis/builtin-queries.js';
import { resourceKey, type KObj } from '../../traffic/types.js';

const template = (image: string, env: Record<string, string> = {}) => ({
  spec: { containers: [{ image, ports: [{ containerPort: 9898 }], env: Object.entries(env).map(([name, value]) => ({ name, value })) }] },
});
const service = (tpl: unknown, traffic?: unknown[], generation = 1): KObj => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  metadata: { name: 'podinfo', namespace: 'test', generation },
  spec: { template: tpl, ...(traffic ? { traffic } : {}) },
});
/** The revision Deployment as the cluster would hold it, with `available` pods. */
const deployed = (svc: KObj, generation: number, available: number): KObj => {
  const d = revisionObjects(svc, generation).objects[0];
  return { ...d, status: { availableReplicas: available } };
};

describe('traffic: the simulated Knative controller', () => {
  it('makes revision podinfo-00001 of a new Service: a Deployment of its template and the private Service, as Knative names them', () => {
    const svc = service(template('podinfo:6.0.0', { SLUICE_SIM_ERROR_RATE: '0.5' }));
    const step = knativeStep(svc, []);
    const [deployment, privateService] = step.create;
    expect(deployment.metadata.name).to.equal('podinfo-00001-deployment');
    expect(deployment.metadata.labels).to.include({ [SERVICE_LABEL]: 'podinfo', [REVISION_LABEL]: 'podinfo-00001', [GENERATION_LABEL]: '1' });
    const container = deployment.spec.template.spec.containers[0];
    expect(container).to.include({ name: 'user-container', image: 'podinfo:6.0.0' });
    expect(container.env).to.deep.equal([{ name: 'SLUICE_SIM_ERROR_RATE', value: '0.5' }]);
    expect(privateService.metadata.name).to.equal('podinfo-00001-private');
    expect(privateService.spec.selector).to.deep.equal({ [REVISION_LABEL]: 'podinfo-00001' });
    expect(privateService.spec.ports[0]).to.include({ port: 80, targetPort: 9898 });
    expect(step.status).to.include({ latestCreatedRevisionName: 'podinfo-00001', observedGeneration: 1 });
    expect(step.status).not.to.have.property('latestReadyRevisionName');
  });

  it('a ready revision is the latest ready one; all traffic goes to it without spec.traffic', () => {
    const svc = service(template('podinfo:6.0.0'));
    const step = knativeStep(svc, [deployed(svc, 1, 1)]);
    expect(step.create).to.deep.equal([]);
    expect(step.status).to.include({ latestCreatedRevisionName: 'podinfo-00001', latestReadyRevisionName: 'podinfo-00001' });
    expect(step.status.traffic).to.deep.equal([{ latestRevision: true, percent: 100, revisionName: 'podinfo-00001' }]);
    expect((step.status.conditions as any[])[0]).to.include({ type: 'Ready', status: 'True' });
  });

  it('a template change is a new revision; spec.traffic alone is none; latestRevision resolves to the latest ready one', () => {
    const v1 = service(template('podinfo:6.0.0'));
    const first = deployed(v1, 1, 1);
    expect(first.metadata.annotations?.[TEMPLATE_HASH_ANNOTATION]).to.be.a('string');
    const split = [
      { latestRevision: true, percent: 30 },
      { revisionName: 'podinfo-00001', percent: 70 },
    ];
    expect(knativeStep(service(template('podinfo:6.0.0'), split, 2), [first]).create).to.deep.equal([]);
    const v2 = service(template('podinfo:6.0.1'), split, 3);
    const made = knativeStep(v2, [first]);
    expect(made.create.map((o) => o.metadata.name)).to.deep.equal(['podinfo-00002-deployment', 'podinfo-00002-private']);
    // Until podinfo-00002 serves, Knative's route keeps the latest ready revision for latestRevision.
    expect(made.status.traffic).to.deep.equal([
      { latestRevision: true, percent: 30, revisionName: 'podinfo-00001' },
      { revisionName: 'podinfo-00001', percent: 70, latestRevision: false },
    ]);
    const ready = knativeStep(v2, [first, deployed(v2, 2, 1)]);
    expect(ready.status).to.include({ latestCreatedRevisionName: 'podinfo-00002', latestReadyRevisionName: 'podinfo-00002' });
    expect((ready.status.traffic as any[])[0]).to.deep.equal({ latestRevision: true, percent: 30, revisionName: 'podinfo-00002' });
  });

  it('resolves no spec.traffic to all of it on the latest ready revision, and nothing before one is ready', () => {
    expect(resolveTraffic(undefined, 'web-00003')).to.deep.equal([{ latestRevision: true, percent: 100, revisionName: 'web-00003' }]);
    expect(resolveTraffic([{ latestRevision: true, percent: 100 }], undefined)).to.deep.equal([]);
  });
});

describe('traffic/observers: knative (Kourier)', () => {
  const routes = (svc: KObj) => knative.routes({ objects: new Map([[resourceKey(knative.resources[0]), [svc]]]), canaries: [], rps: 20 });

  it("splits a Knative Service's requests by status.traffic over the revisions' private Services, named <ns>/<revision> at Envoy", () => {
    const svc = service(template('podinfo:6.0.1'));
    svc.status = {
      traffic: [
        { latestRevision: true, percent: 30, revisionName: 'podinfo-00002' },
        { revisionName: 'podinfo-00001', percent: 70 },
      ],
    };
    const [route, ...rest] = routes(svc);
    expect(rest).to.deep.equal([]);
    expect(route.families).to.deep.equal(['knative']);
    expect(route.rules[0].backends).to.deep.equal([
      { service: 'podinfo-00002-private', namespace: 'test', port: 80, weight: 30, labels: { envoy_cluster_name: 'test/podinfo-00002' } },
      { service: 'podinfo-00001-private', namespace: 'test', port: 80, weight: 70, labels: { envoy_cluster_name: 'test/podinfo-00001' } },
    ]);
    // Flagger's builtin knative query, with {{ route }} the latest revision, selects the canary's cluster.
    const query = renderBuiltinQuery('knative', 'request-success-rate', {
      name: 'podinfo',
      namespace: 'test',
      target: 'podinfo',
      service: 'podinfo',
      ingress: 'podinfo',
      route: 'podinfo-00002',
      interval: '1m',
      variables: {},
    });
    expect(query).to.include('envoy_cluster_name=~"test/podinfo-00002"');
  });

  it('a revision at 0 % and a Service Knative has not routed get no requests', () => {
    const svc = service(template('podinfo:6.0.1'));
    expect(routes(svc)).to.deep.equal([]);
    svc.status = {
      traffic: [
        { latestRevision: true, percent: 0, revisionName: 'podinfo-00002' },
        { revisionName: 'podinfo-00001', percent: 100 },
      ],
    };
    expect(routes(svc)[0].rules[0].backends.map((b) => b.service)).to.deep.equal(['podinfo-00001-private']);
  });
});
