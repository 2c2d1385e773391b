import { expect } from 'chai';
import { Agent } from 'node:https';
import { pino } from 'pino';
import { canaryLookupFromList, type CanaryLookup } from '../../../src/admission/canary-lookup.js';
import { createServingCertificate } from '../../../src/admission/certificates.js';
import { patchOf } from '../../../src/admission/review.js';
import { DEFAULT_BODY_LIMIT_BYTES, startAdmissionServer, type AdmissionServer } from '../../../src/admission/server.js';
import { fixtureJson, fixtureText, podinfoCanary } from './fixtures.js';
import { httpsRequest } from './https-client.js';

/** The operator's ServiceAccount, as a SelfSubjectReview names it in a cluster. */
const OPERATOR = 'system:serviceaccount:sluice-system:sluice';

const log = pino({ level: 'silent' });

describe('admission HTTPS server', function () {
  this.timeout(20_000);
  let server: AdmissionServer;
  const recorded: string[] = [];
  const url = (path: string) => `https://127.0.0.1:${server.port}${path}`;
  const post = (path: string, body: string | Buffer, headers?: Record<string, string>) => httpsRequest(url(path), { ca: server.caBundle, body, headers });

  before(async () => {
    server = await startAdmissionServer({
      operatorUsername: OPERATOR,
      port: 0,
      log,
      canaries: canaryLookupFromList([podinfoCanary('Succeeded')]),
      onReview: (path, review) => recorded.push(`${path} ${review.request.uid}`),
    });
  });
  after(async () => {
    await server.close();
  });

  it('serves /healthz and /readyz over TLS verified against its own CA (IP SAN 127.0.0.1)', async () => {
    expect((await httpsRequest(url('/healthz'), { ca: server.caBundle })).status).to.equal(200);
    const ready = await httpsRequest(url('/readyz'), { ca: server.caBundle });
    expect([ready.status, ready.body]).to.deep.equal([200, 'ok']);
  });

  it('refuses a client that does not trust the CA', async () => {
    const other = createServingCertificate({ dnsNames: ['x'], ipAddresses: ['127.0.0.1'], keyBits: 1024 });
    let error: Error | undefined;
    try {
      await httpsRequest(url('/healthz'), { ca: other.caCert });
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).to.match(/self.signed|unable to verify|certificate/i);
  });

  it('mutate: answers a recorded image change with the uid echoed and a patch', async () => {
    const body = fixtureText('deployment-image-change.json');
    const reply = await post('/mutate/deployments', body);
    expect(reply.status).to.equal(200);
    const review = reply.json();
    expect(review.apiVersion).to.equal('admission.k8s.io/v1');
    expect(review.kind).to.equal('AdmissionReview');
    expect(review.response.uid).to.equal(fixtureJson('deployment-image-change.json').request.uid);
    expect(patchOf(review).length).to.be.greaterThan(0);
    expect(recorded).to.include(`/mutate/deployments ${review.response.uid}`);
  });

  it('validate: denies the recorded invalid Canary with every field path', async () => {
    const reply = await post('/validate/flagger', fixtureText('canary-invalid-create.json'));
    expect(reply.status).to.equal(200);
    const { response } = reply.json();
    expect(response.allowed).to.equal(false);
    expect(response.status.message).to.include('spec.analysis.stepWeight');
  });

  it('owned: denies the recorded edit of podinfo-primary', async () => {
    const reply = await post('/validate/owned', fixtureText('owned-primary-edit.json'));
    expect(reply.json().response.allowed).to.equal(false);
  });

  it('owned: the operatorUsername option decides, not the client-chosen field manager', async () => {
    const review = JSON.parse(fixtureText('owned-primary-edit.json'));
    review.request.options = { fieldManager: 'sluice' };
    expect((await post('/validate/owned', JSON.stringify(review))).json().response.allowed, 'kubernetes-admin as sluice').to.equal(false);
    review.request.userInfo = { username: OPERATOR };
    expect((await post('/validate/owned', JSON.stringify(review))).json().response.allowed, 'the operator').to.equal(true);
  });

  it('malformed JSON: 400 with the reason, and the server keeps serving', async () => {
    const reply = await post('/mutate/deployments', fixtureText('malformed.json'));
    expect(reply.status).to.equal(400);
    expect(reply.json()).to.include({ kind: 'Status', code: 400, reason: 'BadRequest' });
    expect(reply.json().message).to.match(/^body is not valid JSON/);
    expect((await post('/mutate/deployments', fixtureText('deployment-non-target.json'))).status).to.equal(200);
  });

  it('JSON that is not an AdmissionReview: 400 with the reason', async () => {
    const reply = await post(
      '/validate/flagger',
      JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { operation: 'CREATE' } }),
    );
    expect(reply.status).to.equal(400);
    expect(reply.json().message).to.equal('malformed AdmissionReview: request.uid is missing');
    const scalar = await post('/validate/flagger', '"hello"');
    expect(scalar.status).to.equal(400);
  });

  it('a review that is not sent as application/json in UTF-8: 415 naming what was sent', async () => {
    const review = fixtureText('deployment-non-target.json');
    const plain = await post('/mutate/deployments', review, { 'content-type': 'text/plain' });
    expect(plain.status).to.equal(415);
    expect(plain.json()).to.include({ code: 415, reason: 'UnsupportedMediaType', message: 'Content-Type must be application/json, got "text/plain"' });
    expect((await post('/mutate/deployments', review, { 'content-type': '' })).json().message).to.equal('Content-Type must be application/json, got none');
    expect((await post('/mutate/deployments', review, { 'content-type': 'application/json; charset=utf-16' })).json().message).to.equal(
      'charset must be utf-8, got "utf-16"',
    );
    expect((await post('/mutate/deployments', review, { 'content-type': 'application/json; charset=UTF-8' })).status).to.equal(200);
  });

  it(`huge body (over ${DEFAULT_BODY_LIMIT_BYTES} bytes): 413 with the reason`, async () => {
    const review = fixtureJson('deployment-image-change.json');
    review.request.object.metadata.annotations.padding = 'x'.repeat(DEFAULT_BODY_LIMIT_BYTES + 1024);
    const reply = await post('/mutate/deployments', JSON.stringify(review));
    expect(reply.status).to.equal(413);
    expect(reply.json()).to.include({ code: 413, reason: 'RequestEntityTooLarge' });
    expect(reply.json().message).to.match(/exceeds the 4194304 byte limit/);
  });

  it('a large but legal review (2 x 1.4 MiB objects) is answered', async () => {
    const review = fixtureJson('deployment-image-change.json');
    review.request.object.metadata.annotations.padding = 'x'.repeat(1_400_000);
    review.request.oldObject.metadata.annotations.padding = 'x'.repeat(1_400_000);
    const reply = await post('/mutate/deployments', JSON.stringify(review));
    expect(reply.status).to.equal(200);
    expect(reply.json().response.uid).to.equal(review.request.uid);
  });

  it('unknown path: 404 Status', async () => {
    const reply = await post('/mutate/pods', '{}');
    expect(reply.status).to.equal(404);
    expect(reply.json().reason).to.equal('NotFound');
  });
});

describe('admission HTTPS server, failure modes and options', function () {
  this.timeout(20_000);

  it('a throwing handler answers 500 and the server stays up', async () => {
    const broken: CanaryLookup = {
      findByTarget: () => {
        throw new Error('cache exploded');
      },
    };
    const server = await startAdmissionServer({ operatorUsername: OPERATOR, port: 0, canaries: broken, log });
    try {
      const url = `https://127.0.0.1:${server.port}`;
      const reply = await httpsRequest(`${url}/mutate/deployments`, { ca: server.caBundle, body: fixtureText('deployment-image-change.json') });
      expect(reply.status).to.equal(500);
      expect(reply.json().message).to.equal('admission handler failed: cache exploded');
      expect((await httpsRequest(`${url}/healthz`, { ca: server.caBundle })).status).to.equal(200);
    } finally {
      await server.close();
    }
  });

  it('uses a given certificate and CA; the owned-object guard can be turned off', async () => {
    const made = createServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const server = await startAdmissionServer({
      operatorUsername: OPERATOR,
      port: 0,
      canaries: canaryLookupFromList([]),
      tls: { cert: made.cert, key: made.key, ca: made.caCert },
      ownedObjectGuard: false,
      log,
    });
    try {
      expect(server.caBundle).to.equal(made.caCert);
      const reply = await httpsRequest(`https://127.0.0.1:${server.port}/validate/owned`, { ca: made.caCert, body: fixtureText('owned-primary-edit.json') });
      expect(reply.json().response.allowed).to.equal(true);
    } finally {
      await server.close();
    }
  });

  it('setCertificate serves a rotated certificate to new connections', async () => {
    const first = createServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], keyBits: 1024 });
    const second = createServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], keyBits: 1024 });
    const server = await startAdmissionServer({
      operatorUsername: OPERATOR,
      port: 0,
      canaries: canaryLookupFromList([]),
      tls: { cert: first.cert, key: first.key, ca: first.caCert },
      log,
    });
    try {
      const url = `https://127.0.0.1:${server.port}/healthz`;
      expect((await httpsRequest(url, { ca: first.caCert, agent: new Agent({ keepAlive: false }) })).status).to.equal(200);
      server.setCertificate({ cert: second.cert, key: second.key });
      expect((await httpsRequest(url, { ca: second.caCert, agent: new Agent({ keepAlive: false }) })).status).to.equal(200);
      let error: Error | undefined;
      try {
        await httpsRequest(url, { ca: first.caCert, agent: new Agent({ keepAlive: false }) });
      } catch (err) {
        error = err as Error;
      }
      expect(error?.message).to.match(/certificate|self.signed|verify/i);
    } finally {
      await server.close();
    }
  });

  it('close() stops listening and is idempotent', async () => {
    const server = await startAdmissionServer({ operatorUsername: OPERATOR, port: 0, canaries: canaryLookupFromList([]), log });
    await server.close();
    await server.close();
    let error: NodeJS.ErrnoException | undefined;
    try {
      await httpsRequest(`https://127.0.0.1:${server.port}/healthz`, { ca: server.caBundle });
    } catch (err) {
      error = err as NodeJS.ErrnoException;
    }
    expect(error?.code).to.equal('ECONNREFUSED');
  });
});
