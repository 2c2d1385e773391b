// MetricTemplates against real non-Prometheus stores, started by the test:
//   Graphite          Debian's carbon-cache + graphite-web; the test sends points over carbon's
//                     plaintext protocol and Sluice queries the render API
//   VictoriaMetrics   Debian's victoria-metrics with its own basic auth, queried as the
//                     `prometheus` type through `address`, a secretRef and `headers`
import { expect } from 'chai';
import { createServer, request, type Server } from 'node:http';
import { resolveCanary } from '../../src/api/defaults.js';
import type { Canary, CanaryMetric, MetricTemplate } from '../../src/api/types.js';
import { runMetricChecks, prometheusClients, type MetricCheckDeps } from '../../src/analysis/run-checks.js';
import { checkMetricProviders } from '../../src/controller/metric-providers.js';
import { startGraphite, waitForGraphiteData, type RunningGraphite } from './support/graphite.js';
import { startVictoriaMetrics, type RunningVictoriaMetrics } from './support/victoria-metrics.js';
import { freePort } from './support/free-port.js';

function canary(namespace: string, metrics: CanaryMetric[]): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace },
    spec: {
      provider: 'kubernetes',
      metricsServer: 'http://127.0.0.1:1',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '10s', threshold: 2, iterations: 5, metrics },
    },
  };
}

function deps(templates: MetricTemplate[], secrets: Record<string, Record<string, string>> = {}): MetricCheckDeps {
  return {
    prometheusFor: prometheusClients(),
    getTemplate: async (ref) => {
      const found = templates.find((t) => t.metadata.name === ref.name);
      if (!found) throw new Error('not found');
      return found;
    },
    getSecret: async (namespace, name) => {
      const found = secrets[`${namespace}/${name}`];
      if (!found) throw new Error(`secret ${namespace}/${name} not found`);
      return found;
    },
  };
}

/** Flagger's documented Graphite template: the success rate of the target over the interval. */
function graphiteTemplate(address: string, secretRef?: string): MetricTemplate {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'MetricTemplate',
    metadata: { name: 'graphite-request-success-rate', namespace: 'test' },
    spec: {
      provider: { type: 'graphite', address, ...(secretRef ? { secretRef: { name: secretRef } } : {}) },
      query: [
        'target=summarize(',
        '  asPercent(',
        '    sumSeries(stats.timers.httpServerRequests.app.{{target}}.outcome.{SUCCESS,REDIRECTION}.count),',
        '    sumSeries(stats.timers.httpServerRequests.app.{{target}}.outcome.*.count)',
        '  ),',
        "  '{{interval}}',",
        "  'avg'",
        ')',
        '&from=-{{interval}}',
      ].join('\n'),
    },
  };
}

const successRate = (interval = '1min'): CanaryMetric => ({
  name: 'success rate',
  templateRef: { name: 'graphite-request-success-rate' },
  thresholdRange: { min: 90 },
  interval,
});

describe('metric backends: real Graphite (carbon + graphite-web)', function () {
  this.timeout(180_000);
  let graphite: RunningGraphite;
  let authProxy: Server;
  let authProxyUrl: string;
  const seenAuth: (string | undefined)[] = [];

  before(async () => {
    graphite = await startGraphite();
    // Every point of the last ten seconds: healthy 99 of 100 requests succeed, failing 60 of 100.
    const now = Math.floor(Date.now() / 1000);
    const points = [];
    for (let t = now - 10; t <= now; t++) {
      for (const [app, ok, bad] of [
        ['healthy', 99, 1],
        ['failing', 60, 40],
      ] as const) {
        points.push({ path: `stats.timers.httpServerRequests.app.${app}.outcome.SUCCESS.count`, value: ok, at: t });
        points.push({ path: `stats.timers.httpServerRequests.app.${app}.outcome.SERVER_ERROR.count`, value: bad, at: t });
      }
    }
    await graphite.send(points);
    await waitForGraphiteData(graphite.url, 'stats.timers.httpServerRequests.app.failing.outcome.SERVER_ERROR.count');
    // graphite-web has no auth of its own: a proxy in front asks for basic auth, as a web server would.
    const target = new URL(graphite.url);
    authProxy = createServer((req, res) => {
      seenAuth.push(req.headers.authorization);
      if (req.headers.authorization !== `Basic ${Buffer.from('flagger:s3cret').toString('base64')}`) {
        res.writeHead(401, { 'www-authenticate': 'Basic' }).end('unauthorized');
        return;
      }
      req.pipe(
        request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        }),
      );
    });
    const port = await freePort();
    await new Promise<void>((resolve) => authProxy.listen(port, '127.0.0.1', resolve));
    authProxyUrl = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    authProxy?.close();
    await graphite?.stop();
  });

  const run = async (target: string, template: MetricTemplate, metric = successRate(), secrets = {}) => {
    const c = canary('test', [metric]);
    c.spec.targetRef.name = target;
    return (await runMetricChecks(resolveCanary(c), deps([template], secrets)))[0];
  };

  it("Flagger's documented template, interval 1min: a healthy target passes with its success rate", async () => {
    const v = await run('healthy', graphiteTemplate(graphite.url));
    expect(v, v.message).to.include({ result: 'pass', value: 99 });
    expect(v.query).to.include('summarize(\n  asPercent(').and.include("'1min'").and.include('&from=-1min');
  });

  it('a failing target fails the threshold: "success rate 60.00 < 90"', async () => {
    const v = await run('failing', graphiteTemplate(graphite.url));
    expect(v).to.include({ result: 'fail', value: 60, message: 'success rate 60.00 < 90' });
  });

  it('a target without points is "no values" (counts as a failed check)', async () => {
    const v = await run('silent', graphiteTemplate(graphite.url));
    expect(v).to.include({ result: 'nodata', countsAsFailedCheck: true });
  });

  it("several series with values: the last one with data is used, as Flagger's Graphite provider does, and named", async () => {
    const template = graphiteTemplate(graphite.url);
    template.spec.query = 'target=stats.timers.httpServerRequests.app.{{target}}.outcome.*.count&from=-1min';
    const v = await run('failing', template);
    expect(v.message).to.include('the query returned 2 series, 2 with data; used the last with data');
    // Graphite lists the series in its own order: the value is the one of the series named.
    const used = /used the last with data, \{target="[^"]*outcome\.(\w+)\.count"\}/.exec(v.message)?.[1];
    expect(v.value).to.equal(used === 'SUCCESS' ? 60 : 40);
    expect(v.seriesWarning).to.include('Metric success rate of podinfo.test');
  });

  it("a Go-style interval reaches Graphite as written, and Graphite's refusal is reported with its HTTP status", async () => {
    const v = await run('healthy', graphiteTemplate(graphite.url), successRate('1m'));
    expect(v.result).to.equal('error');
    expect(v.message).to.match(/^Graphite at http:\/\/127\.0\.0\.1:\d+ answered HTTP 400: Invalid parameters \(Invalid offset unit 'm'\)/);
  });

  it('secretRef username/password become basic auth; wrong ones are refused with the status, never echoed', async () => {
    const good = await run('healthy', graphiteTemplate(authProxyUrl, 'graphite-basic-auth'), successRate(), {
      'test/graphite-basic-auth': { username: 'flagger', password: 's3cret' },
    });
    expect(good, good.message).to.include({ result: 'pass', value: 99 });
    const bad = await run('healthy', graphiteTemplate(authProxyUrl, 'graphite-basic-auth'), successRate(), {
      'test/graphite-basic-auth': { username: 'flagger', password: 'wrong-password' },
    });
    expect(bad.result).to.equal('error');
    expect(bad.message).to.include('answered HTTP 401').and.not.include('wrong-password');
    const missing = await run('healthy', graphiteTemplate(authProxyUrl, 'graphite-basic-auth'), successRate(), {
      'test/graphite-basic-auth': { username: 'flagger' },
    });
    expect(missing.message).to.include('its secret has no password');
  });

  it('the availability check asks target=test and accepts an empty answer; an unreachable Graphite is named', async () => {
    const resolved = resolveCanary(canary('test', [successRate()]));
    await checkMetricProviders(resolved, deps([graphiteTemplate(graphite.url)]));
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    let error: Error | undefined;
    await checkMetricProviders(resolved, deps([graphiteTemplate(unreachable)])).catch((err: Error) => {
      error = err;
    });
    expect(error?.message).to.match(
      /^graphite in MetricTemplate test\/graphite-request-success-rate not available: Graphite at .* is unreachable: connection refused/,
    );
  });
});

describe('metric backends: real VictoriaMetrics as a Prometheus-compatible store', function () {
  this.timeout(120_000);
  let vm: RunningVictoriaMetrics;
  let headerProxy: Server;
  let proxyUrl: string;
  const tenants: (string | undefined)[] = [];

  before(async () => {
    vm = await startVictoriaMetrics({ username: 'reader', password: 'vm-pass' });
    await vm.importText(
      [
        'podinfo_errors_percentage{namespace="test",deployment="podinfo"} 1.5',
        'podinfo_errors_percentage{namespace="test",deployment="broken"} 12.25',
        '',
      ].join('\n'),
    );
    // A gateway in front of a multi-tenant store routes on a header; this one records it and passes on.
    const target = new URL(vm.url);
    headerProxy = createServer((req, res) => {
      tenants.push(req.headers['x-scope-orgid'] as string | undefined);
      req.pipe(
        request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        }),
      );
    });
    const port = await freePort();
    await new Promise<void>((resolve) => headerProxy.listen(port, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    headerProxy?.close();
    await vm?.stop();
  });

  const template = (address: string): MetricTemplate => ({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'MetricTemplate',
    metadata: { name: 'errors', namespace: 'test' },
    spec: {
      provider: { type: 'prometheus', address, secretRef: { name: 'vm-auth' }, headers: { 'X-Scope-OrgID': ['team-a'] } },
      query: 'max(last_over_time(podinfo_errors_percentage{namespace="{{ namespace }}",deployment="{{ target }}"}[5m]))',
    },
  });
  const metric: CanaryMetric = { name: 'errors', templateRef: { name: 'errors' }, thresholdRange: { max: 5 }, interval: '1m' };

  it('address, secretRef basic auth and headers reach VictoriaMetrics; values are judged', async () => {
    const secrets = { 'test/vm-auth': { username: 'reader', password: 'vm-pass' } };
    const deadline = Date.now() + 30_000;
    let v = (await runMetricChecks(resolveCanary(canary('test', [metric])), deps([template(proxyUrl)], secrets)))[0];
    while (v.result === 'nodata' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500)); // the import becomes searchable within a second or two
      v = (await runMetricChecks(resolveCanary(canary('test', [metric])), deps([template(proxyUrl)], secrets)))[0];
    }
    expect(v, v.message).to.include({ result: 'pass', value: 1.5 });
    expect(tenants.at(-1)).to.equal('team-a');

    const broken = canary('test', [metric]);
    broken.spec.targetRef.name = 'broken';
    const failing = (await runMetricChecks(resolveCanary(broken), deps([template(proxyUrl)], secrets)))[0];
    expect(failing).to.include({ result: 'fail', value: 12.25, message: 'errors 12.25 > 5' });
  });

  it("wrong credentials: VictoriaMetrics's 401 is reported, the password is not", async () => {
    const v = (
      await runMetricChecks(resolveCanary(canary('test', [metric])), deps([template(vm.url)], { 'test/vm-auth': { username: 'reader', password: 'not-it' } }))
    )[0];
    expect(v.result).to.equal('error');
    expect(v.message).to.include('answered HTTP 401').and.not.include('not-it');
  });
});
