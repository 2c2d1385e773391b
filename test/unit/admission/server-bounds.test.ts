// The admission server against unauthenticated callers: the latency metric is labelled by route
// (never by the path a caller chose), a deeply nested review is a 400 (not a 500 from a blown
// stack), a chunked body over the limit says the limit, and 415 is UnsupportedMediaType.
import { expect } from 'chai';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { canaryLookupFromList } from '../../../src/admission/canary-lookup.js';
import { admissionDuration } from '../../../src/admission/metrics.js';
import { MAX_REVIEW_DEPTH } from '../../../src/admission/review.js';
import { startAdmissionServer, WEBHOOK_PATHS, type AdmissionServer } from '../../../src/admission/server.js';
import { fixtureJson, fixtureText, podinfoCanary } from './fixtures.js';
import { httpsRequest } from './https-client.js';

/** The operator's ServiceAccount, as a SelfSubjectReview names it in a cluster. */
const OPERATOR = 'system:serviceaccount:sluice-system:sluice';

const log = pino({ level: 'silent' });

/** The review with `levels` nested objects added under request.object.spec. */
function nested(fixture: string, levels: number): string {
  let deep = '1';
  for (let i = 0; i < levels; i++) deep = `{"a":${deep}}`;
  return JSON.stringify(fixtureJson(fixture)).replace('"spec":{', `"spec":{"deep":${deep},`);
}

describe('admission HTTPS server: bounds', function () {
  this.timeout(20_000);
  let server: AdmissionServer;
  const post = (path: string, body: string, headers?: Record<string, string>) =>
    httpsRequest(`https://127.0.0.1:${server.port}${path}`, { ca: server.caBundle, body, headers });

  before(async () => {
    server = await startAdmissionServer({
      operatorUsername: OPERATOR,
      port: 0,
      log,
      canaries: canaryLookupFromList([podinfoCanary('Succeeded')]),
      bodyLimitBytes: 256 * 1024,
    });
  });
  after(async () => {
    await server.close();
  });

  it('labels latency by route: 300 requests on path variants make no new series', async () => {
    const labelSets = async () =>
      (await admissionDuration.get()).values.filter((v) => v.metricName === 'sluice_admission_duration_seconds_count').map((v) => JSON.stringify(v.labels));
    const variant = (i: number) => {
      const path = WEBHOOK_PATHS.mutateDeployments
        .split('')
        .map((c, k) => ((i >> (k % 12)) & 1 ? c.toUpperCase() : c))
        .join('');
      return i % 2 ? `${path}/` : path;
    };
    for (let i = 0; i < 300; i++) await post(variant(i), '{not json');
    await post('/no-such-webhook', '{}');
    const sets = await labelSets();
    expect(sets.length).to.be.at.most(Object.keys(WEBHOOK_PATHS).length * 5 + 5);
    const webhooks = new Set(sets.map((s) => JSON.parse(s).webhook as string));
    for (const w of webhooks) expect([...Object.values(WEBHOOK_PATHS), 'unknown']).to.include(w);
  });

  it('the latency histogram is in no registry by default: the operator registers it where /metrics serves', async () => {
    const served = new Registry();
    served.registerMetric(admissionDuration);
    await post(WEBHOOK_PATHS.mutateDeployments, fixtureText('deployment-non-target.json'));
    expect(await served.metrics()).to.match(/sluice_admission_duration_seconds_count\{webhook="\/mutate\/deployments",outcome="allowed"\} \d+/);
  });

  it(`a review nested deeper than ${MAX_REVIEW_DEPTH} levels is a 400 with the reason, on every webhook`, async () => {
    for (const [path, fixture] of [
      [WEBHOOK_PATHS.mutateDeployments, 'deployment-image-change.json'],
      [WEBHOOK_PATHS.validateFlagger, 'canary-invalid-create.json'],
      [WEBHOOK_PATHS.validateOwned, 'owned-primary-edit.json'],
    ]) {
      const reply = await post(path, nested(fixture, 10_000));
      expect(reply.status, path).to.equal(400);
      expect(reply.json()).to.include({ code: 400, reason: 'BadRequest', message: `malformed AdmissionReview: nested deeper than ${MAX_REVIEW_DEPTH} levels` });
    }
    expect((await post(WEBHOOK_PATHS.mutateDeployments, nested('deployment-image-change.json', 50))).status).to.equal(200);
  });

  it('a chunked body over the limit: 413 naming the limit', async () => {
    const reply = await post(WEBHOOK_PATHS.mutateDeployments, 'x'.repeat(300 * 1024));
    expect(reply.status).to.equal(413);
    expect(reply.json()).to.include({ reason: 'RequestEntityTooLarge', message: 'AdmissionReview body exceeds the 262144 byte limit' });
  });

  it('a body of a declared length over the limit: 413 naming both', async () => {
    const body = 'x'.repeat(300 * 1024);
    const reply = await post(WEBHOOK_PATHS.mutateDeployments, body, { 'content-length': String(body.length) });
    expect(reply.json()).to.include({ message: `AdmissionReview body of ${body.length} bytes exceeds the 262144 byte limit` });
  });

  it('a compressed body: 415 UnsupportedMediaType (the apiserver never compresses; inflated bytes would escape the bounds)', async () => {
    for (const encoding of ['gzip', 'br2']) {
      const reply = await post(WEBHOOK_PATHS.mutateDeployments, '{}', { 'content-encoding': encoding });
      expect(reply.status).to.equal(415);
      expect(reply.json()).to.include({
        code: 415,
        reason: 'UnsupportedMediaType',
        message: `Content-Encoding ${encoding} is not accepted: send the body uncompressed`,
      });
    }
  });
});
