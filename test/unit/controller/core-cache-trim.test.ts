import { expect } from 'chai';
import { trimCoreObject } from '../../../src/controller/core-cache-trim.js';
import type { KubeObject } from '../../../src/kube/index.js';

describe('core cache trim (what the caches of Deployments, Services, ... keep)', () => {
  it("drops managedFields and kubectl's last-applied copy, and keeps every other field and annotation", () => {
    const o: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'podinfo',
        namespace: 'test',
        managedFields: [{ manager: 'kubectl', operation: 'Update' }],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":"copy"}', 'deployment.kubernetes.io/revision': '3', team: 'a' },
        labels: { app: 'podinfo' },
      },
      spec: { replicas: 2 },
    };
    trimCoreObject(o);
    expect(o).to.deep.equal({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'podinfo', namespace: 'test', annotations: { 'deployment.kubernetes.io/revision': '3', team: 'a' }, labels: { app: 'podinfo' } },
      spec: { replicas: 2 },
    });
  });

  it('leaves an object without either as it was', () => {
    const o: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'test' }, data: { a: '1' } } as KubeObject;
    trimCoreObject(o);
    expect(o).to.deep.equal({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'test' }, data: { a: '1' } });
  });
});
