// MetricTemplate spec.provider.headers on the wire: a list of values (Flagger's http.Header) is
// one header with the values joined by ", ", which RFC 9110 makes equal to Go's several lines.
import { expect } from 'chai';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { headerFields } from '../../../src/analysis/prometheus.js';
import { runMetricChecks, prometheusClients } from '../../../src/analysis/run-checks.js';
import { resolveCanary } from '../../../src/api/defaults.js';
import type { Canary, MetricTemplate } from '../../../src/api/types.js';

describe('analysis: MetricTemplate provider headers', () => {
  let server: Server;
  let url: string;
  const seen: IncomingHttpHeaders[] = [];

  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '1'] }] } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((r) => server.close(r)));

  it('headerFields: a string as it is, a list joined by ", ", an empty list not sent', () => {
    expect(headerFields({ 'X-Scope-OrgID': ['a', 'b'], 'X-One': ['x'], 'X-Plain': 'p', 'X-None': [] })).to.deep.equal({
      'X-Scope-OrgID': 'a, b',
      'X-One': 'x',
      'X-Plain': 'p',
    });
    expect(headerFields(undefined)).to.deep.equal({});
  });

  it("a template with Flagger's list form queries Prometheus with those headers", async () => {
    const template: MetricTemplate = {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'MetricTemplate',
      metadata: { name: 'latency', namespace: 'test' },
      spec: { provider: { type: 'prometheus', address: url, headers: { 'X-Scope-OrgID': ['tenant-a', 'tenant-b'], 'X-Team': 'web' } }, query: 'vector(1)' },
    };
    const canary: Canary = {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'podinfo', namespace: 'test' },
      spec: {
        provider: 'istio',
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
        service: { port: 9898 },
        analysis: {
          interval: '1m',
          threshold: 5,
          maxWeight: 50,
          stepWeight: 10,
          metrics: [{ name: 'latency', templateRef: { name: 'latency' }, thresholdRange: { min: 1 } }],
        },
      },
    };
    seen.length = 0;
    const [verdict] = await runMetricChecks(resolveCanary(canary), {
      prometheusFor: prometheusClients(),
      getTemplate: async () => template,
      getSecret: async () => ({}),
    });
    expect(verdict.result, verdict.message).to.equal('pass');
    expect(seen).to.have.length(1);
    expect(seen[0]).to.include({ 'x-scope-orgid': 'tenant-a, tenant-b', 'x-team': 'web' });
  });
});
