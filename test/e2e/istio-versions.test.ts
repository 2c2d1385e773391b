// Istio's API versions on the local control plane (issue #14): the networking.istio.io CRDs serve
// v1alpha3, v1beta1 and v1 as a real Istio does, and its Gateway kind exists, so the manifests of
// Flagger's Istio e2e apply as they are. Flagger's delegation scenario: an Istio Gateway, a user's
// root VirtualService written as v1alpha3 delegating to the VirtualService Sluice generates
// (service.delegation), a promotion with the traffic generator sending through the root.
import { expect } from 'chai';
import { ensureCluster, kubectl, kubectlJson } from '../support/cluster.js';
import {
  startOperator,
  createApp,
  podinfoCanary,
  waitForPhase,
  canaryEvents,
  setImage,
  deploymentImage,
  deleteNamespace,
  FAST,
  type OperatorProcess,
} from './support/rollout.js';

const NS = `e2e-istio-versions-${process.pid % 10000}`;
const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1';

/** Flagger's test/istio public-gateway, written as Flagger's e2e writes it. */
const gateway = {
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'Gateway',
  metadata: { name: 'public-gateway', namespace: NS },
  spec: {
    selector: { istio: 'ingressgateway' },
    servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
  },
};

/** The user's root VirtualService of Flagger's delegation e2e, in v1alpha3. */
const rootVirtualService = {
  apiVersion: 'networking.istio.io/v1alpha3',
  kind: 'VirtualService',
  metadata: { name: 'root-vs', namespace: NS },
  spec: {
    gateways: [`${NS}/public-gateway`],
    hosts: ['*'],
    http: [{ match: [{ uri: { prefix: '/' } }], delegate: { name: 'podinfo', namespace: NS } }],
  },
};

const getAt = (version: string, kind: string, name: string) => kubectlJson(['-n', NS, 'get', `${kind}.${version}.networking.istio.io`, name]);

describe('e2e: Istio API versions (v1alpha3, v1beta1, v1) and the Istio Gateway kind', function () {
  this.timeout(10 * 60_000);
  let operator: OperatorProcess;

  before(async function () {
    this.timeout(60 * 60_000);
    await ensureCluster();
    operator = await startOperator();
    await createApp({
      namespace: NS,
      extra: [gateway, rootVirtualService],
      canary: podinfoCanary(NS, {
        provider: 'istio',
        service: { port: 80, targetPort: 9898, delegation: true },
        analysis: {
          interval: FAST.interval,
          threshold: 5,
          stepWeight: 25,
          maxWeight: 50,
          metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: FAST.metricInterval }],
        },
      }),
    });
  });

  after(async function () {
    if (this.currentTest?.state === 'failed' || process.env.SLUICE_KEEP_LOGS) console.log(`operator log: ${operator?.logFile}`);
    await operator?.kill('SIGTERM');
    if (!process.env.SLUICE_KEEP_NAMESPACES) await deleteNamespace(NS);
  });

  it('the VirtualService, DestinationRule and Gateway CRDs serve v1alpha3, v1beta1 and v1 with one schema, stored as v1alpha3', async () => {
    for (const plural of ['virtualservices', 'destinationrules', 'gateways']) {
      const crd = await kubectlJson(['get', 'crd', `${plural}.networking.istio.io`]);
      const versions = crd.spec.versions as { name: string; served: boolean; storage: boolean; schema: unknown }[];
      expect(
        versions.map((v) => [v.name, v.served, v.storage]),
        plural,
      ).to.deep.equal([
        ['v1alpha3', true, true],
        ['v1beta1', true, false],
        ['v1', true, false],
      ]);
      for (const v of versions) expect(v.schema, `${plural} ${v.name}`).to.deep.equal(versions[0].schema);
    }
  });

  it('the Gateway applied as v1beta1 is the same object in v1alpha3 and v1', async () => {
    for (const version of ['v1alpha3', 'v1']) {
      const gw = await getAt(version, 'gateways', 'public-gateway');
      expect(gw.apiVersion).to.equal(`networking.istio.io/${version}`);
      expect(gw.spec).to.deep.equal(gateway.spec);
    }
  });

  it("initializes with the user's v1alpha3 root delegating to the VirtualService Sluice generates (no hosts, no gateways)", async () => {
    await waitForPhase(NS, ['Initialized'], 180_000);
    const delegate = await getAt('v1alpha3', 'virtualservices', 'podinfo');
    expect(delegate.spec).not.to.have.property('hosts');
    expect(delegate.spec).not.to.have.property('gateways');
    expect(delegate.spec.http[0].route.map((r: any) => [r.destination.host, r.weight])).to.deep.equal([
      ['podinfo-primary', 100],
      ['podinfo-canary', 0],
    ]);
    expect(delegate.metadata.ownerReferences?.[0]).to.include({ kind: 'Canary', name: 'podinfo' });
    // The user's root, read in another version, is as the user wrote it: Sluice does not touch it.
    const root = await kubectlJson(['-n', NS, 'get', 'virtualservices.v1.networking.istio.io', 'root-vs', '--show-managed-fields']);
    expect(root.spec).to.deep.equal(rootVirtualService.spec);
    expect(root.metadata.managedFields.map((f: any) => f.manager)).not.to.include('sluice');
  });

  it('promotes a new revision with the traffic sent through the root', async () => {
    await setImage(NS, NEW);
    await waitForPhase(NS, ['Succeeded'], 300_000);
    expect(await deploymentImage(NS, 'podinfo-primary')).to.equal(NEW);
    const events = await canaryEvents(NS);
    expect(events).to.include(`Advance podinfo.${NS} canary weight 50`);
    expect(events).to.include(`Promotion completed! Scaling down podinfo.${NS}`);
    const delegate = await getAt('v1beta1', 'virtualservices', 'podinfo');
    expect(delegate.spec.http[0].route.map((r: any) => r.weight)).to.deep.equal([100, 0]);
  });

  it('a VirtualService written as v1alpha3 and read as v1beta1 (the version Sluice writes) is one object', async () => {
    const written = {
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'VirtualService',
      metadata: { name: 'legacy', namespace: NS },
      spec: { hosts: ['legacy'], http: [{ route: [{ destination: { host: 'legacy' } }] }] },
    };
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(written) });
    const read = await getAt('v1beta1', 'virtualservices', 'legacy');
    expect(read.spec).to.deep.equal(written.spec);
  });
});
