// Flagger's -master: the apiserver URL over the kubeconfig's, the rest of the kubeconfig kept.
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubeConfig } from '../../../src/kube/config.js';

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: { server: https://a.example:6443, insecure-skip-tls-verify: true }
- name: b
  cluster: { server: https://b.example:6443 }
users:
- name: admin
  user: { token: secret }
contexts:
- name: ctx
  context: { cluster: a, user: admin }
current-context: ctx
`;

describe('kube config: -master', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'sluice-master-')), 'kubeconfig');
  writeFileSync(path, kubeconfig);

  it("replaces the current cluster's server and keeps its TLS settings, the user and the other clusters", () => {
    const kc = loadKubeConfig({ path, server: 'https://10.0.0.1:6443', env: {} });
    expect(kc.getCurrentCluster()).to.include({ name: 'a', server: 'https://10.0.0.1:6443', skipTLSVerify: true });
    expect(kc.getCurrentUser()).to.include({ name: 'admin', token: 'secret' });
    expect(kc.getCluster('b')?.server).to.equal('https://b.example:6443');
  });

  it("without it, the kubeconfig's server", () => {
    expect(loadKubeConfig({ path, env: {} }).getCurrentCluster()?.server).to.equal('https://a.example:6443');
  });
});
