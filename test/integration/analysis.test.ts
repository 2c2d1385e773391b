// Metric checks against a real Prometheus (Debian's, started by the test) scraping an exporter
// the test controls. Each scenario lives in its own namespace label so one Prometheus serves all:
//   healthy   podinfo answers 200 only, in 50 ms          -> success rate 100 %, p99 49 ms
//   failing   6917 of every 10000 requests are non-5xx     -> success rate 69.17 %
//   slow      every request takes 1.2 s                    -> p99 1.2475 s
//   notfound  62 of every 1000 requests are 404            -> 404s percentage 6.20
//   silent    no series at all                             -> no values
// plus OSM's series in namespace test for the OSM seed (its inline 404 query is hard-coded there).
import { expect } from 'chai';
import { createServer, request, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parse } from 'yaml';
import { resolveCanary } from '../../src/api/defaults.js';
import type { Canary, CanaryMetric, MetricTemplate } from '../../src/api/types.js';
import { PrometheusClient, MetricsProviderError } from '../../src/analysis/prometheus.js';
import { runMetricChecks, prometheusClients, type MetricCheckDeps } from '../../src/analysis/run-checks.js';
import { startExporter, type Exporter } from './support/exporter.js';
import { startPrometheus, waitForData, type RunningPrometheus } from './support/prometheus.js';
import { freePort } from './support/free-port.js';
import { selfSignedCertificate } from './support/self-signed.js';

const HTTP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 1.25, 2.5, 5];
const MS_BUCKETS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500];

function exposeScenarios(exporter: Exporter): void {
  const pod = (namespace: string) => ({ kubernetes_namespace: namespace, kubernetes_pod_name: 'podinfo-6b7c9d8f4-x7k2p' });
  const http = (namespace: string, status: string, perSecond: number, seconds: number) =>
    exporter.histogram('http_request_duration_seconds', { ...pod(namespace), status }, HTTP_BUCKETS, perSecond, seconds);
  http('healthy', '200', 10, 0.05);
  http('failing', '200', 69.17, 0.05);
  http('failing', '500', 30.83, 0.05);
  http('slow', '200', 10, 1.2);
  http('notfound', '200', 93.8, 0.05);
  http('notfound', '404', 6.2, 0.05);
  const osm = { destination_namespace: 'test', destination_kind: 'Deployment', destination_name: 'podinfo' };
  exporter.counter('osm_request_total', { ...osm, response_code: '200' }, 93.8);
  exporter.counter('osm_request_total', { ...osm, response_code: '404' }, 6.2);
  exporter.histogram('osm_request_duration_ms', osm, MS_BUCKETS, 100, 20);
}

function kubernetesCanary(namespace: string, metricsServer: string, metrics: CanaryMetric[]): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace },
    spec: {
      provider: 'kubernetes',
      metricsServer,
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '10s', threshold: 2, iterations: 5, metrics },
    },
  };
}

const successRate: CanaryMetric = { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' };
const duration: CanaryMetric = { name: 'request-duration', thresholdRange: { max: 500 }, interval: '30s' };

/** The seed's Gloo MetricTemplate with its missing comma added and the 404 filter it means. */
function notFoundTemplate(address: string, secretRef?: string): MetricTemplate {
  const pods = 'kubernetes_namespace="{{ namespace }}",kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"';
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'MetricTemplate',
    metadata: { name: 'not-found-percentage', namespace: 'notfound' },
    spec: {
      provider: { type: 'prometheus', address, ...(secretRef ? { secretRef: { name: secretRef } } : {}) },
      query: `100 - sum(\n  rate(http_request_duration_seconds_count{${pods},status!="404"}[{{ interval }}])\n)\n/\nsum(\n  rate(http_request_duration_seconds_count{${pods}}[{{ interval }}])\n) * 100\n`,
    },
  };
}

function deps(templates: MetricTemplate[] = [], secrets: Record<string, Record<string, string>> = {}): MetricCheckDeps {
  return {
    prometheusFor: prometheusClients(),
    getTemplate: async (ref) => {
      const t = templates.find((x) => x.metadata.name === ref.name && x.metadata.namespace === ref.namespace);
      if (!t) throw new Error(`MetricTemplate ${ref.namespace}/${ref.name} not found`);
      return t;
    },
    getSecret: async (ns, name) => {
      const s = secrets[`${ns}/${name}`];
      if (!s) throw new Error(`secret ${ns}/${name} not found`);
      return s;
    },
  };
}

describe('metric checks against a real Prometheus', function () {
  // Installing prometheus/apache2-utils on a clean machine can take a while; the checks take seconds.
  this.timeout(10 * 60_000);
  let exporter: Exporter;
  let prometheus: RunningPrometheus;
  let securePrometheus: RunningPrometheus;
  const basicAuth = `Basic ${Buffer.from('sluice:correct horse').toString('base64')}`;

  before(async () => {
    exporter = await startExporter();
    exposeScenarios(exporter);
    [prometheus, securePrometheus] = await Promise.all([
      startPrometheus({ scrapeTargets: [exporter.target] }),
      startPrometheus({ scrapeTargets: [exporter.target], basicAuthUsers: { sluice: 'correct horse' } }),
    ]);
    // rate() needs two samples of every series in its window.
    await Promise.all([
      waitForData(prometheus.url, 'min(rate(http_request_duration_seconds_count[30s])) > 0'),
      waitForData(securePrometheus.url, 'min(rate(http_request_duration_seconds_count[30s])) > 0', 30_000, basicAuth),
    ]);
  });

  after(async () => {
    await Promise.all([prometheus?.stop(), securePrometheus?.stop()]);
    await exporter?.close();
  });

  it('success rate 100% and p99 under 500ms pass', async () => {
    const canary = kubernetesCanary('healthy', prometheus.url, [successRate, duration]);
    const [sr, rd] = await runMetricChecks(resolveCanary(canary), deps());
    expect(sr).to.include({ result: 'pass', value: 100, message: 'success rate 100.00% >= 99%', countsAsFailedCheck: false });
    expect(rd).to.include({ result: 'pass', value: 49, message: 'request duration 49ms <= 500ms' });
    expect(sr.halt).to.equal(undefined);
  });

  it('success rate 69.17% fails with that number in the message', async () => {
    const canary = kubernetesCanary('failing', prometheus.url, [successRate]);
    const [sr] = await runMetricChecks(resolveCanary(canary), deps());
    expect(sr).to.include({ result: 'fail', message: 'success rate 69.17% < 99%', countsAsFailedCheck: true });
    expect(sr.value).to.be.closeTo(69.17, 1e-6);
    expect(sr.halt).to.equal('Halt podinfo.failing advancement success rate 69.17% < 99%');
  });

  it('p99 latency over 500 ms fails', async () => {
    const canary = kubernetesCanary('slow', prometheus.url, [duration]);
    const [rd] = await runMetricChecks(resolveCanary(canary), deps());
    // histogram_quantile puts the 99th percentile 99% into the (1s, 1.25s] bucket: 1.2475s.
    expect(rd).to.include({ result: 'fail', value: 1247, message: 'request duration 1.247s > 500ms' });
    expect(rd.halt).to.equal('Halt podinfo.slow advancement request duration 1.247s > 500ms');
  });

  it('the 404s-percentage MetricTemplate fails above its threshold', async () => {
    const metric: CanaryMetric = { name: '404s percentage', templateRef: { name: 'not-found-percentage' }, thresholdRange: { max: 5 }, interval: '1m' };
    const canary = kubernetesCanary('notfound', 'http://127.0.0.1:1', [metric]);
    const [v] = await runMetricChecks(resolveCanary(canary), deps([notFoundTemplate(prometheus.url)]));
    expect(v).to.include({ result: 'fail', message: '404s percentage 6.20 > 5', address: prometheus.url });
    expect(v.query).to.contain('kubernetes_namespace="notfound",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)",status!="404"}[1m]');
    const under = { ...metric, thresholdRange: { max: 7 } };
    const [ok] = await runMetricChecks(resolveCanary(kubernetesCanary('notfound', prometheus.url, [under])), deps([notFoundTemplate(prometheus.url)]));
    expect(ok.result).to.equal('pass');
  });

  it('the OSM seed canary: builtins pass, its inline 404s-percentage query (threshold 3) fails', async () => {
    const canary = parse(readFileSync('test/fixtures/seeds/osm-canary-podinfo-custom-metric.yaml', 'utf8')) as Canary;
    canary.spec.metricsServer = prometheus.url;
    const verdicts = await runMetricChecks(resolveCanary(canary), deps());
    expect(verdicts.map((v) => `${v.name}: ${v.result}: ${v.message}`)).to.deep.equal([
      'request-success-rate: pass: success rate 100.00% >= 99%',
      'request-duration: pass: request duration 24ms <= 500ms',
      '404s percentage: fail: 404s percentage 6.20 > 3',
    ]);
  });

  it('no traffic gives the no-values reason', async () => {
    const canary = kubernetesCanary('silent', prometheus.url, [successRate, duration]);
    const [sr, rd] = await runMetricChecks(resolveCanary(canary), deps());
    expect(sr).to.include({
      result: 'nodata',
      countsAsFailedCheck: true,
      message: 'no values found for kubernetes metric request-success-rate probably podinfo.silent is not receiving traffic',
    });
    expect(rd.result).to.equal('nodata');
    expect(sr.halt).to.equal(
      'Halt advancement no values found for kubernetes metric request-success-rate probably podinfo.silent is not receiving traffic: no values found',
    );
  });

  it('minRequestCount: too few requests in the interval halts without counting, enough lets it judge', async () => {
    const few = kubernetesCanary('healthy', prometheus.url, [{ ...successRate, minRequestCount: 1_000_000 }]);
    const [v] = await runMetricChecks(resolveCanary(few), deps());
    expect(v).to.include({ result: 'nodata', countsAsFailedCheck: false });
    expect(v.requestCount).to.be.greaterThan(0).and.lessThan(1_000_000);
    expect(v.message).to.match(/^only \d+(\.\d+)? requests reached podinfo\.healthy in the last 1m, fewer than minRequestCount 1000000/);
    const enough = kubernetesCanary('failing', prometheus.url, [{ ...successRate, minRequestCount: 1 }]);
    const [w] = await runMetricChecks(resolveCanary(enough), deps());
    expect(w).to.include({ result: 'fail', message: 'success rate 69.17% < 99%' });
  });

  it('a wrong address gives a clear unreachable error, and the check fails closed', async () => {
    const nothing = `http://127.0.0.1:${await freePort()}`;
    const client = new PrometheusClient({ address: nothing });
    const err = await client.probe().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(MetricsProviderError);
    expect((err as MetricsProviderError).failure).to.equal('unreachable');
    expect((err as Error).message).to.equal(`Prometheus at ${nothing} is unreachable: connection refused (ECONNREFUSED)`);
    const [sr] = await runMetricChecks(resolveCanary(kubernetesCanary('healthy', nothing, [successRate])), deps());
    expect(sr).to.include({ result: 'error', countsAsFailedCheck: true });
    expect(sr.halt).to.equal(`Prometheus query failed: Prometheus at ${nothing} is unreachable: connection refused (ECONNREFUSED)`);
  });

  it("a bad query names Prometheus's parse error; a silent server times out", async () => {
    const client = new PrometheusClient({ address: prometheus.url });
    const bad = await client.query('sum(rate(x[1m])').then(
      () => undefined,
      (e: unknown) => e as MetricsProviderError,
    );
    expect(bad?.failure).to.equal('bad-query');
    expect(bad?.message).to.match(new RegExp(`^Prometheus at ${prometheus.url} rejected the query: .*parse error`));
    expect(bad?.httpStatus).to.equal(400);

    const silent: Server = createServer(() => {
      /* never answers */
    });
    const port = await freePort();
    await new Promise<void>((r) => silent.listen(port, '127.0.0.1', r));
    try {
      const slow = new PrometheusClient({ address: `http://127.0.0.1:${port}`, timeoutMs: 300 });
      const err = await slow.query('vector(1)').then(
        () => undefined,
        (e: unknown) => e as MetricsProviderError,
      );
      expect(err?.failure).to.equal('timeout');
      expect(err?.message).to.equal(`Prometheus at http://127.0.0.1:${port} did not answer within 300ms`);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('an answer over the cap is refused naming it, and the check fails closed', async () => {
    // A real answer of a few hundred bytes against a 64-byte cap: the cap counts what Prometheus sends.
    const client = new PrometheusClient({ address: prometheus.url, maxResponseBytes: 64 });
    const err = await client.query('up').then(
      () => undefined,
      (e: unknown) => e as MetricsProviderError,
    );
    expect(err?.failure).to.equal('too-large');
    expect(err?.message).to.equal(`Prometheus at ${prometheus.url}: response larger than 64 bytes`);
    const tiny = { ...deps(), prometheusFor: prometheusClients(5_000, 64) };
    const [sr] = await runMetricChecks(resolveCanary(kubernetesCanary('healthy', prometheus.url, [successRate])), tiny);
    expect(sr).to.include({ result: 'error', countsAsFailedCheck: true, message: `Prometheus at ${prometheus.url}: response larger than 64 bytes` });
  });

  it('the probe passes on vector(1); infinities come back as numbers, not as no values', async () => {
    const client = new PrometheusClient({ address: prometheus.url });
    await client.probe();
    expect(await client.query('scalar(vector(1)) / 0')).to.deep.equal({ type: 'scalar', value: Infinity });
    const v = await client.query('vector(-1) / 0');
    expect(v.type === 'vector' && v.samples[0].value).to.equal(-Infinity);
  });

  it("basic auth from the template's secret reaches a Prometheus whose web config requires it", async () => {
    const metric: CanaryMetric = { name: '404s percentage', templateRef: { name: 'not-found-percentage' }, thresholdRange: { max: 5 }, interval: '1m' };
    const canary = resolveCanary(kubernetesCanary('notfound', prometheus.url, [metric]));
    const template = notFoundTemplate(securePrometheus.url, 'prometheus-auth');
    const [withAuth] = await runMetricChecks(canary, deps([template], { 'notfound/prometheus-auth': { username: 'sluice', password: 'correct horse' } }));
    expect(withAuth).to.include({ result: 'fail', message: '404s percentage 6.20 > 5' });

    const [wrong] = await runMetricChecks(canary, deps([template], { 'notfound/prometheus-auth': { username: 'sluice', password: 'wrong' } }));
    expect(wrong).to.include({ result: 'error', countsAsFailedCheck: true });
    expect(wrong.message).to.match(new RegExp(`^Prometheus at ${securePrometheus.url} answered HTTP 401: Unauthorized: check the token or username/password`));

    const anonymous = new PrometheusClient({ address: securePrometheus.url });
    const err = await anonymous.probe().then(
      () => undefined,
      (e: unknown) => e as MetricsProviderError,
    );
    expect(err?.httpStatus).to.equal(401);
  });

  it("a bearer token from the template's secret arrives as an Authorization header", async () => {
    const seen: (string | undefined)[] = [];
    // A local server in front of Prometheus: records the header and forwards only with the right token.
    const gate = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization !== 'Bearer s3cr3t-token') {
        res.writeHead(401, { 'Content-Type': 'text/plain' }).end('missing or wrong bearer token\n');
        return;
      }
      const upstream = request(
        `${prometheus.url}${req.url}`,
        { method: req.method, headers: { ...req.headers, host: `127.0.0.1:${prometheus.port}` } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    const port = await freePort();
    await new Promise<void>((r) => gate.listen(port, '127.0.0.1', r));
    try {
      const metric: CanaryMetric = { name: '404s percentage', templateRef: { name: 'not-found-percentage' }, thresholdRange: { max: 5 }, interval: '1m' };
      const canary = resolveCanary(kubernetesCanary('notfound', prometheus.url, [metric]));
      const template = notFoundTemplate(`http://127.0.0.1:${port}`, 'prometheus-token');
      const [v] = await runMetricChecks(canary, deps([template], { 'notfound/prometheus-token': { token: 's3cr3t-token' } }));
      expect(seen).to.deep.equal(['Bearer s3cr3t-token']);
      expect(v).to.include({ result: 'fail', message: '404s percentage 6.20 > 5' });

      const [noToken] = await runMetricChecks(canary, deps([notFoundTemplate(`http://127.0.0.1:${port}`)]));
      expect(noToken.result).to.equal('error');
      expect(noToken.message).to.contain('answered HTTP 401: missing or wrong bearer token');
    } finally {
      gate.close();
    }
  });
  it('https with a self-signed certificate: refused with a TLS message, accepted with insecureSkipVerify', async () => {
    const forward = (req: IncomingMessage, res: ServerResponse) => {
      const upstream = request(`${prometheus.url}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    };
    const tls = createHttpsServer(selfSignedCertificate(), forward);
    const port = await freePort();
    await new Promise<void>((r) => tls.listen(port, '127.0.0.1', r));
    try {
      const address = `https://127.0.0.1:${port}`;
      const metric: CanaryMetric = { name: '404s percentage', templateRef: { name: 'not-found-percentage' }, thresholdRange: { max: 5 }, interval: '1m' };
      const canary = resolveCanary(kubernetesCanary('notfound', prometheus.url, [metric]));
      const strict = notFoundTemplate(address);
      const [refused] = await runMetricChecks(canary, deps([strict]));
      expect(refused.result).to.equal('error');
      expect(refused.message).to.equal(
        `Prometheus at ${address}: TLS certificate not trusted (DEPTH_ZERO_SELF_SIGNED_CERT): self-signed certificate; set insecureSkipVerify in the MetricTemplate's provider to accept it`,
      );
      const lenient = { ...strict, spec: { ...strict.spec, provider: { ...strict.spec.provider, insecureSkipVerify: true } } };
      const [accepted] = await runMetricChecks(canary, deps([lenient]));
      expect(accepted).to.include({ result: 'fail', message: '404s percentage 6.20 > 5', address });
    } finally {
      tls.close();
    }
  });

  describe('sluice check', () => {
    // Async on purpose: the exporter lives in this process and must keep answering scrapes.
    const check = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile('node', ['bin/sluice.js', 'check', ...args], (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
        });
      });
    const metrics: CanaryMetric[] = [
      successRate,
      { name: '404s percentage', templateRef: { name: 'not-found-percentage' }, thresholdRange: { max: 5 }, interval: '1m' },
    ];
    const writeCanary = (namespace: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'sluice-check-'));
      const canary = kubernetesCanary(namespace, 'http://prometheus.monitoring:9090', metrics);
      const template = notFoundTemplate('http://prometheus.monitoring:9090');
      delete template.metadata.namespace;
      writeFileSync(join(dir, 'canary.yaml'), stringify(canary));
      writeFileSync(join(dir, 'template.yaml'), stringify(template));
      return join(dir, 'canary.yaml');
    };

    it('prints query, value, threshold and verdict per metric and exits 1 when a check fails', async () => {
      const r = await check(writeCanary('failing'), '--prometheus', prometheus.url);
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stdout).to.contain(`Canary failing/podinfo  provider kubernetes  Prometheus ${prometheus.url}`);
      expect(r.stdout).to.contain('  request-success-rate: FAIL\n    query:     sum(rate(http_request_duration_seconds_count{kubernetes_namespace="failing"');
      expect(r.stdout).to.contain(
        '    value:     69.17%\n    threshold: min 99%\n    verdict:   fail: success rate 69.17% < 99%\n    event:     Halt podinfo.failing advancement success rate 69.17% < 99%',
      );
      // The template has no data for namespace failing's 404s: 0 % is below 5, a pass.
      expect(r.stdout).to.contain('  404s percentage: pass');
      expect(r.stdout).to.contain('2 checks: 1 passed, 1 did not pass');
    });

    it('exits 0 when every check passes', async () => {
      const r = await check(writeCanary('healthy'), '--prometheus', prometheus.url);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.contain('verdict:   pass: success rate 100.00% >= 99%');
      expect(r.stdout).to.contain('2 checks: 2 passed, 0 did not pass');
    });
  });
});
