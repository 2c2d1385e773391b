// Replicas in a cluster share one webhook certificate through a Secret, so the caBundle that any
// of them registers verifies all of them.
import { expect } from 'chai';
import { ensureCluster, kubectl } from '../support/cluster.js';
import { sharedServingCertificate } from '../../src/admission/shared-certificate.js';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.js';
import { X509Certificate } from 'node:crypto';

describe('e2e: shared webhook certificate', function () {
  this.timeout(120_000);
  const ns = `e2e-cert-${process.pid % 10000}`;
  let client: KubeClient;

  before(async function () {
    this.timeout(60 * 60_000);
    const cluster = await ensureCluster();
    client = new KubeClient(loadKubeConfig({ path: cluster.kubeconfig }));
    await kubectl(['create', 'namespace', ns]);
  });
  after(() => kubectl(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined));

  it('two replicas starting at once end up with the same CA and certificate, stored in one Secret', async () => {
    const service = { namespace: ns, name: 'sluice' };
    const [a, b] = await Promise.all([sharedServingCertificate(client, service), sharedServingCertificate(client, service)]);
    expect(a).to.deep.equal(b);
    const later = await sharedServingCertificate(client, service);
    expect(later).to.deep.equal(a);
    const cert = new X509Certificate(a.cert);
    expect(cert.subjectAltName).to.include(`DNS:sluice.${ns}.svc`);
    expect(cert.verify(new X509Certificate(a.ca).publicKey)).to.equal(true);
    const type = await kubectl(['-n', ns, 'get', 'secret', 'sluice-webhook-tls', '-o', 'jsonpath={.type}']);
    expect(type).to.equal('kubernetes.io/tls');
  });
});
