import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeConfigOrigin, loadKubeConfig } from '../../../src/kube/config.js';
import { RecentEvents } from '../../../src/kube/recent-events.js';
import { resourcesOfGroupVersion } from '../../../src/kube/discovery.js';
import { errorFromFailure, errorFromResponse } from '../../../src/kube/errors.js';
import { eventName, newEvent, repeatPatch, rfc3339, truncateMessage } from '../../../src/kube/events.js';
import { backoffDelay } from '../../../src/kube/informer.js';
import { RESOURCES, apiVersionOf, describeObject, parseApiVersion, resourcePath } from '../../../src/kube/resources.js';

describe('kube resources', () => {
  it('builds core, group, namespaced, cluster-scoped and subresource paths', () => {
    expect(resourcePath(RESOURCES.services, { namespace: 'test', name: 'podinfo' })).to.equal('/api/v1/namespaces/test/services/podinfo');
    expect(resourcePath(RESOURCES.deployments, { namespace: 'test' })).to.equal('/apis/apps/v1/namespaces/test/deployments');
    expect(resourcePath(RESOURCES.deployments)).to.equal('/apis/apps/v1/deployments');
    expect(resourcePath(RESOURCES.canaries, { namespace: 'test', name: 'podinfo', subresource: 'status' })).to.equal(
      '/apis/flagger.app/v1beta1/namespaces/test/canaries/podinfo/status',
    );
    expect(resourcePath(RESOURCES.mutatingWebhookConfigurations, { namespace: 'ignored', name: 'sluice-admission' })).to.equal(
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/sluice-admission',
    );
    expect(() => resourcePath(RESOURCES.canaries, { subresource: 'status' })).to.throw('a status subresource needs an object name');
  });

  it('encodes names and parses apiVersions', () => {
    expect(resourcePath(RESOURCES.configMaps, { namespace: 'a b', name: 'x/y' })).to.equal('/api/v1/namespaces/a%20b/configmaps/x%2Fy');
    expect(parseApiVersion('v1')).to.deep.equal({ group: '', version: 'v1' });
    expect(parseApiVersion('flagger.app/v1beta1')).to.deep.equal({ group: 'flagger.app', version: 'v1beta1' });
    expect(apiVersionOf(RESOURCES.events)).to.equal('v1');
    expect(describeObject(RESOURCES.deployments, 'podinfo', 'test')).to.equal('deployments.apps/podinfo in test');
  });
});

describe('kube discovery', () => {
  it('maps kinds to plurals, leaving subresources out', () => {
    const kinds = resourcesOfGroupVersion('apps/v1', {
      resources: [
        { name: 'deployments', kind: 'Deployment', namespaced: true },
        { name: 'deployments/scale', kind: 'Scale', namespaced: true },
        { name: 'deployments/status', kind: 'Deployment', namespaced: true },
      ],
    });
    expect([...kinds.keys()]).to.deep.equal(['Deployment']);
    expect(kinds.get('Deployment')).to.deep.equal({ group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true });
  });
});

describe('kube errors', () => {
  it('reads a Status body', () => {
    const e = errorFromResponse(409, JSON.stringify({ kind: 'Status', reason: 'Conflict', message: 'the object has been modified', code: 409 }), 'PUT /x');
    expect([e.status, e.reason, e.message]).to.deep.equal([409, 'Conflict', 'PUT /x: 409 Conflict: the object has been modified']);
    expect(e.details?.code).to.equal(409);
  });

  it('falls back to the HTTP reason and the raw text', () => {
    const e = errorFromResponse(422, 'not json', 'POST /y');
    expect([e.reason, e.message]).to.deep.equal(['Invalid', 'POST /y: 422 Invalid: not json']);
    expect(errorFromResponse(418, '', 'GET /z').message).to.equal('GET /z: 418 HTTP418: HTTP 418');
  });

  it('names network failures and timeouts with status 0', () => {
    const refused = errorFromFailure(
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' } }),
      'GET /a',
    );
    expect([refused.status, refused.reason, refused.message]).to.deep.equal([0, 'ECONNREFUSED', 'GET /a: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1']);
    const timeout = errorFromFailure(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'GET /b');
    expect([timeout.status, timeout.reason]).to.deep.equal([0, 'Timeout']);
  });
});

describe('kube events', () => {
  const involved = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: 'podinfo', namespace: 'test', uid: 'u1' };
  const at = new Date('2026-11-21T23:00:00.789Z');

  it('gives the same (object, type, reason, message) the same valid name, and others another', () => {
    const a = eventName(involved, 'Normal', 'Synced', 'Advance podinfo.test canary weight 10');
    expect(a).to.match(/^podinfo\.[0-9a-f]{16}$/);
    expect(eventName(involved, 'Normal', 'Synced', 'Advance podinfo.test canary weight 10')).to.equal(a);
    expect(eventName(involved, 'Normal', 'Synced', 'Advance podinfo.test canary weight 20')).to.not.equal(a);
    expect(eventName(involved, 'Warning', 'Synced', 'Advance podinfo.test canary weight 10')).to.not.equal(a);
    expect(eventName({ ...involved, uid: 'u2' }, 'Normal', 'Synced', 'Advance podinfo.test canary weight 10')).to.not.equal(a);
    expect(eventName({ ...involved, name: 'n'.repeat(300) }, 'Normal', 'r', 'm').length).to.be.at.most(253);
  });

  it('builds a core/v1 Event with count 1 and whole-second times', () => {
    const e = newEvent(involved, 'Warning', 'Synced', 'Rolling back podinfo.test failed checks threshold reached 2', at);
    expect(e).to.deep.include({
      apiVersion: 'v1',
      kind: 'Event',
      type: 'Warning',
      reason: 'Synced',
      count: 1,
      firstTimestamp: '2026-11-21T23:00:00Z',
      lastTimestamp: '2026-11-21T23:00:00Z',
      source: { component: 'sluice' },
    });
    expect(e.metadata.namespace).to.equal('test');
    expect(e.involvedObject).to.deep.equal(involved);
    expect(newEvent({ apiVersion: 'v1', kind: 'Node', name: 'n1' }, 'Normal', 'r', 'm', at).metadata.namespace).to.equal('default');
  });

  it('bumps count and lastTimestamp; truncates long messages', () => {
    expect(repeatPatch({ count: 4 }, at)).to.deep.equal({ count: 5, lastTimestamp: '2026-11-21T23:00:00Z' });
    expect(truncateMessage('x'.repeat(2000))).to.have.length(1024);
    expect(rfc3339(at)).to.equal('2026-11-21T23:00:00Z');
  });
});

describe('kube informer backoff', () => {
  it('doubles from the initial delay up to the ceiling, with at most 20 % jitter', () => {
    const none = () => 0;
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, { initialMs: 1000, maxMs: 30_000 }, none))).to.deep.equal([
      1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
    expect(backoffDelay(0, { initialMs: 1000, maxMs: 30_000 }, () => 0.999)).to.be.within(1000, 1200);
    expect(backoffDelay(1000, { initialMs: 1000, maxMs: 30_000 }, none)).to.equal(30_000);
  });
});

describe('kube config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-kc-'));
  const file = join(dir, 'config');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: c',
      'clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: c, context: {cluster: k, user: u}}]',
    ].join('\n'),
  );

  it('prefers an explicit path, then $KUBECONFIG, then in-cluster, then ~/.kube/config', () => {
    expect(kubeConfigOrigin({ path: '/p', env: { KUBECONFIG: '/k' } })).to.deep.equal({ kind: 'file', path: '/p' });
    expect(kubeConfigOrigin({ env: { KUBECONFIG: '/k', KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' } })).to.deep.equal({
      kind: 'file',
      path: '/k',
    });
    expect(kubeConfigOrigin({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443', HOME: dir } })).to.deep.equal({ kind: 'in-cluster' });
    expect(kubeConfigOrigin({ env: { HOME: dir } })).to.equal(undefined);
  });

  it('loads a kubeconfig file and refuses to guess when there is none', () => {
    expect(loadKubeConfig({ path: file }).getCurrentCluster()?.server).to.equal('https://127.0.0.1:6443');
    expect(loadKubeConfig({ env: { KUBECONFIG: file } }).getCurrentUser()?.token).to.equal('t');
    expect(() => loadKubeConfig({ env: { HOME: dir } })).to.throw(/no Kubernetes configuration/);
  });
});

describe('RecentEvents (the bounded memory of Events this process wrote)', () => {
  it('forgets the least recently used entry first', () => {
    const recent = new RecentEvents(2);
    recent.set('a', { count: 1 });
    recent.set('b', { count: 1 });
    recent.get('a'); // a is now the most recent
    recent.set('c', { count: 1 });
    expect([recent.get('a')?.count, recent.get('b'), recent.get('c')?.count, recent.size]).to.deep.equal([1, undefined, 1, 2]);
  });
});
