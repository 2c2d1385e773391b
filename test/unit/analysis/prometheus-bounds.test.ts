// The Prometheus client against hostile real servers: a deadline over the whole query (Flagger's
// 5 s), a cap on the answer, capped messages, and a failed check (never a promotion) for each.
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusClient, MetricsProviderError, DEFAULT_QUERY_TIMEOUT_MS, DEFAULT_QUERY_RESPONSE_BYTES } from '../../../src/analysis/prometheus.js';
import { runMetricChecks, prometheusClients, type MetricCheckDeps } from '../../../src/analysis/run-checks.js';
import { resolveCanary } from '../../../src/api/defaults.js';
import { MAX_MESSAGE_CHARS } from '../../../src/api/message.js';
import type { Canary } from '../../../src/api/types.js';
import { bigErrorServer, drippingServer, hugeBodyServer, type HostileServer } from '../hooks/hostile-servers.js';

function canaryAt(metricsServer: string): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      provider: 'kubernetes',
      metricsServer,
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '1m', threshold: 1, iterations: 1, metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' }] },
    },
  };
}

const deps = (options: { timeoutMs?: number; maxResponseBytes?: number } = {}): MetricCheckDeps => ({
  prometheusFor: (address, auth) => new PrometheusClient({ address, ...auth, ...options }),
  getTemplate: () => Promise.reject(new Error('no templates here')),
  getSecret: () => Promise.reject(new Error('no secrets here')),
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as MetricsProviderError,
  );

describe('Prometheus client: bounds', () => {
  const servers: HostileServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const started = async (s: Promise<HostileServer>) => {
    const server = await s;
    servers.push(server);
    return server;
  };

  it("keeps Flagger's 5 s query deadline and a 1 MiB answer cap by default", () => {
    expect(DEFAULT_QUERY_TIMEOUT_MS).to.equal(5_000);
    expect(DEFAULT_QUERY_RESPONSE_BYTES).to.equal(1024 * 1024);
  });

  it('a server dripping a byte at a time times out at the deadline over the whole query', async () => {
    const drip = await started(drippingServer({ everyMs: 50, totalBytes: 100 }));
    const err = await failure(new PrometheusClient({ address: drip.url, timeoutMs: 300 }).query('vector(1)'));
    expect(err).to.be.instanceOf(MetricsProviderError);
    expect(err?.failure).to.equal('timeout');
    expect(err?.message).to.equal(`Prometheus at ${drip.url} did not answer within 300ms`);
  });

  it('an answer over the cap is refused, naming the cap, without reading the rest', async () => {
    const huge = await started(hugeBodyServer({ totalBytes: 32 * 1024 * 1024 }));
    const err = await failure(new PrometheusClient({ address: huge.url, maxResponseBytes: 64 * 1024 }).query('vector(1)'));
    expect(err?.failure).to.equal('too-large');
    expect(err?.message).to.equal(`Prometheus at ${huge.url}: response larger than 64 KiB`);
    expect(huge.written()).to.be.below(32 * 1024 * 1024);
  });

  it('a declared Content-Length over the cap is refused before the body is read', async () => {
    const huge = await started(hugeBodyServer({ totalBytes: 2 * 1024 * 1024, contentLength: true }));
    const err = await failure(new PrometheusClient({ address: huge.url }).query('vector(1)'));
    expect(err?.message).to.equal(`Prometheus at ${huge.url}: response larger than 1 MiB`);
  });

  it('a drip or a huge answer is a failed check that counts, never a pass', async () => {
    const drip = await started(drippingServer({ everyMs: 50, totalBytes: 100 }));
    const huge = await started(hugeBodyServer({ totalBytes: 8 * 1024 * 1024 }));
    const [slow] = await runMetricChecks(resolveCanary(canaryAt(drip.url)), deps({ timeoutMs: 300 }));
    expect(slow).to.include({ result: 'error', countsAsFailedCheck: true });
    expect(slow.halt).to.equal(`Prometheus query failed: Prometheus at ${drip.url} did not answer within 300ms`);
    const [big] = await runMetricChecks(resolveCanary(canaryAt(huge.url)), deps({ maxResponseBytes: 64 * 1024 }));
    expect(big).to.include({ result: 'error', countsAsFailedCheck: true, message: `Prometheus at ${huge.url}: response larger than 64 KiB` });
  });

  it('a 2 MB error page becomes a message no longer than the cap, in the status and the halt', async () => {
    const page = await started(bigErrorServer(2 * 1024 * 1024 - 1, 500));
    const [v] = await runMetricChecks(resolveCanary(canaryAt(page.url)), { ...deps(), prometheusFor: prometheusClients(1000, 4 * 1024 * 1024) });
    expect(v).to.include({ result: 'error', countsAsFailedCheck: true });
    expect(v.message.length).to.be.at.most(MAX_MESSAGE_CHARS);
    expect(v.message).to.match(new RegExp(`^Prometheus at ${page.url} answered HTTP 500: e+\\.\\.\\. \\(\\d+ more characters\\)$`));
    expect(v.halt!.length).to.be.at.most(MAX_MESSAGE_CHARS);
  });
});

describe('Prometheus client: the range query API', () => {
  it("asks /api/v1/query_range for start, end and step in seconds, and reads every series' values, NaN kept", async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          status: 'success',
          data: {
            resultType: 'matrix',
            result: [
              {
                metric: { __name__: 'x', pod: 'a' },
                values: [
                  [1, '180'],
                  [2, 'NaN'],
                  [3, '+Inf'],
                ],
              },
            ],
          },
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const client = new PrometheusClient({ address: `http://127.0.0.1:${(server.address() as AddressInfo).port}/prom/` });
      const result = await client.queryRange('p99{a="b"}', { startMs: 1_000_500, endMs: 1_030_500, stepMs: 10_000 });
      expect(result).to.deep.equal({ type: 'matrix', seriesCount: 1, series: [{ labels: { pod: 'a' }, values: [180, NaN, Infinity] }] });
      expect(seen).to.deep.equal([`/prom/api/v1/query_range?query=${encodeURIComponent('p99{a="b"}')}&start=1000.5&end=1030.5&step=10`]);
    } finally {
      server.close();
    }
  });
});

describe('Prometheus client: the instant query API', () => {
  let server: Server;
  let url: string;
  const answers: Record<string, { status: number; body: string; type?: string }> = {};
  const seen: { url: string; headers: Record<string, unknown> }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      const query = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '';
      const a = answers[query] ?? { status: 404, body: '404 page not found\n', type: 'text/plain' };
      res.writeHead(a.status, { 'content-type': a.type ?? 'application/json' }).end(a.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prom/`;
    const ok = (resultType: string, result: unknown) => ({ status: 200, body: JSON.stringify({ status: 'success', data: { resultType, result } }) });
    answers['vector(1)'] = ok('vector', [{ metric: {}, value: [1700000000, '1'] }]);
    answers.two = ok('vector', [
      { metric: { pod: 'a' }, value: [1, '0.5'] },
      { metric: { pod: 'b' }, value: [1, '+Inf'] },
    ]);
    answers.inf = ok('scalar', [1, '-Inf']);
    answers.nan = ok('vector', [{ metric: {}, value: [1, 'NaN'] }]);
    answers.range = ok('matrix', [
      { metric: {}, values: [[1, '1']] },
      { metric: {}, values: [[1, '2']] },
    ]);
    answers.text = ok('string', [1, 'hello']);
    answers['sum(x'] = { status: 400, body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error: unclosed left parenthesis' }) };
    answers.slow = { status: 503, body: JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }) };
    answers.denied = { status: 401, body: 'Unauthorized\n', type: 'text/plain' };
    answers.html = { status: 200, body: '<html>not prometheus</html>', type: 'text/html' };
  });
  after(() => new Promise((r) => server.close(r)));

  it('sends GET <address>/api/v1/query with the query, headers, bearer token or basic auth', async () => {
    seen.length = 0;
    await new PrometheusClient({ address: url, bearerToken: 't0k', headers: { 'X-Scope-OrgID': 'team' } }).query('vector(1)');
    await new PrometheusClient({ address: url, username: 'u', password: 'p w' }).query('vector(1)');
    const sent = new URL(seen[0].url, 'http://x');
    expect([sent.pathname, sent.searchParams.get('query')]).to.deep.equal(['/prom/api/v1/query', 'vector(1)']);
    expect(seen[0].headers).to.include({ authorization: 'Bearer t0k', 'x-scope-orgid': 'team' });
    expect(seen[1].headers.authorization).to.equal(`Basic ${Buffer.from('u:p w').toString('base64')}`);
  });

  it('reads vectors, scalars, infinities, NaN, range vectors and strings', async () => {
    const client = new PrometheusClient({ address: url });
    expect(await client.query('vector(1)')).to.deep.equal({ type: 'vector', samples: [{ labels: {}, value: 1 }] });
    expect(await client.query('two')).to.deep.equal({
      type: 'vector',
      samples: [
        { labels: { pod: 'a' }, value: 0.5 },
        { labels: { pod: 'b' }, value: Infinity },
      ],
    });
    expect(await client.query('inf')).to.deep.equal({ type: 'scalar', value: -Infinity });
    const nan = await client.query('nan');
    expect(nan.type === 'vector' && Number.isNaN(nan.samples[0].value)).to.equal(true);
    expect(await client.query('range')).to.deep.equal({
      type: 'matrix',
      seriesCount: 2,
      series: [
        { labels: {}, values: [1] },
        { labels: {}, values: [2] },
      ],
    });
    expect(await client.query('text')).to.deep.equal({ type: 'string', value: 'hello' });
    await client.probe();
  });

  it('names each failure: bad query, evaluation timeout, auth, a wrong path, not a Prometheus', async () => {
    const client = new PrometheusClient({ address: url });
    const at = `Prometheus at ${url.replace(/\/$/, '')}`;
    const bad = await failure(client.query('sum(x'));
    expect(bad).to.deep.include({ failure: 'bad-query', httpStatus: 400, message: `${at} rejected the query: parse error: unclosed left parenthesis` });
    expect(await failure(client.query('slow'))).to.deep.include({
      failure: 'timeout',
      message: `${at} timed out evaluating the query: query timed out in expression evaluation`,
    });
    expect(await failure(client.query('denied'))).to.deep.include({
      failure: 'http',
      httpStatus: 401,
      message: `${at} answered HTTP 401: Unauthorized: check the token or username/password of the provider secretRef`,
    });
    expect(await failure(client.query('missing'))).to.deep.include({
      failure: 'http',
      httpStatus: 404,
      message: `${at} answered HTTP 404: 404 page not found`,
    });
    expect(await failure(client.query('html'))).to.deep.include({
      failure: 'not-prometheus',
      message: `${at} did not answer like a Prometheus API (got "<html>not prometheus</html>")`,
    });
  });

  it('an address that is not http(s) is refused when the client is made', () => {
    expect(() => new PrometheusClient({ address: 'ftp://prometheus' })).to.throw(MetricsProviderError, 'use http:// or https://');
  });
});
