// The SaaS metric backends against local servers that implement the endpoints each client calls,
// as the vendors document them. Each server checks what Sluice sends (method, path, query
// parameters, time range, auth headers, CloudWatch's SigV4 signature, Google's JWT grant) and
// answers with the documented shapes: a value, nothing, NaN/null, several series, an error.
import { expect } from 'chai';
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { sigV4Problem } from './sigv4-verifier.js';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { METRIC_BACKENDS } from '../../../src/analysis/backends/table.js';
import type { BackendSettings, MetricBackendType } from '../../../src/analysis/backends/backend.js';
import { readingOf, type Reading } from '../../../src/analysis/reading.js';

interface Seen {
  method: string;
  path: string;
  params: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  rawPath: string;
}
type Answer = { status?: number; type?: string; body: string | object };

/** A server that records every request and answers with `answer(request)`. */
async function fakeServer(answer: (seen: Seen) => Answer): Promise<{ url: string; seen: Seen[]; close(): void; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const s = { method: req.method ?? '', path: url.pathname, params: url.searchParams, headers: req.headers, body, rawPath: req.url ?? '' };
      seen.push(s);
      const a = answer(s);
      res.writeHead(a.status ?? 200, { 'content-type': a.type ?? 'application/json' });
      res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server, close: () => server.close() };
}

const NOW = Date.parse('2026-11-28T12:00:00.000Z');
const settingsOf = (over: Partial<BackendSettings>): BackendSettings => ({
  intervalMs: 60_000,
  timeoutMs: 2000,
  maxResponseBytes: 1024 * 1024,
  now: () => NOW,
  env: {},
  ...over,
});
const read = async (type: MetricBackendType, settings: BackendSettings, query: string) =>
  readingOf(await METRIC_BACKENDS[type].connect(settings).query(query), METRIC_BACKENDS[type].manySeries);
/** The reading of an answer of several series: the value (or no values) and the sentence naming the one used. */
const picked = (kind: 'value' | 'no-values', value: number | undefined, sentence: RegExp) => (r: Reading) => {
  expect(r.kind).to.equal(kind);
  if (value !== undefined) expect(r).to.have.property('value', value);
  expect(r).to.have.property('series').that.matches(sentence);
};
const errorOf = async (work: Promise<unknown>) =>
  work.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: Error) => err.message,
  );

describe('metric backends: SaaS APIs against local servers of their documented endpoints', () => {
  it('Datadog: GET /api/v1/query with both keys in headers, from = now - 10 x interval; the oldest point', async () => {
    let answer: object = {
      status: 'ok',
      series: [
        {
          scope: 'app:podinfo',
          pointlist: [
            [NOW - 600_000, null],
            [NOW - 540_000, 1.25],
            [NOW - 60_000, 9],
          ],
        },
      ],
    };
    const dd = await fakeServer(() => ({ body: answer }));
    try {
      const settings = settingsOf({ address: dd.url, secret: { datadog_api_key: 'api-k', datadog_application_key: 'app-k' } });
      expect(await read('datadog', settings, 'sum:requests{app:podinfo}.as_count()')).to.deep.equal({ kind: 'value', value: 1.25 });
      const [q] = dd.seen;
      expect([q.method, q.path]).to.deep.equal(['GET', '/api/v1/query']);
      expect(q.params.get('query')).to.equal('sum:requests{app:podinfo}.as_count()');
      expect(Number(q.params.get('to'))).to.equal(NOW / 1000);
      expect(Number(q.params.get('from'))).to.equal(NOW / 1000 - 600);
      expect(q.headers['dd-api-key']).to.equal('api-k');
      expect(q.headers['dd-application-key']).to.equal('app-k');

      answer = { status: 'ok', series: [] };
      expect(await read('datadog', settings, 'q')).to.deep.equal({ kind: 'no-values' });
      answer = {
        status: 'ok',
        series: [
          { scope: 'a', pointlist: [[1, 2]] },
          { scope: 'b', pointlist: [[1, 3]] },
        ],
      };
      // Flagger's Datadog provider reads the first series, even one without points.
      picked('value', 2, /^the query returned 2 series; used the first, \{scope="a"\}, as Flagger does: drop the by/)(await read('datadog', settings, 'q'));
      answer = {
        status: 'ok',
        series: [
          { scope: 'a', pointlist: [] },
          { scope: 'b', pointlist: [[1, 3]] },
        ],
      };
      picked('no-values', undefined, /used the first, \{scope="a"\}, which has no value/)(await read('datadog', settings, 'q'));

      await METRIC_BACKENDS.datadog.connect(settings).probe();
      expect(dd.seen.at(-1)?.path).to.equal('/api/v1/validate');
      expect(
        await errorOf(Promise.resolve().then(() => METRIC_BACKENDS.datadog.connect(settingsOf({ address: dd.url, secret: { datadog_api_key: 'k' } })))),
      ).to.include('its secret has no datadog_application_key');
    } finally {
      dd.close();
    }
  });

  it('Datadog: a 403 names the backend and status, never the keys', async () => {
    const dd = await fakeServer(() => ({ status: 403, body: { errors: ['Forbidden'] } }));
    try {
      const message = await errorOf(
        METRIC_BACKENDS.datadog
          .connect(settingsOf({ address: dd.url, secret: { datadog_api_key: 'SECRET-API', datadog_application_key: 'SECRET-APP' } }))
          .query('q'),
      );
      expect(message).to.match(/^Datadog at http:\/\/127\.0\.0\.1:\d+ answered HTTP 403: \{"errors":\["Forbidden"\]\}/);
      expect(message).to.not.include('SECRET');
    } finally {
      dd.close();
    }
  });

  it('New Relic: GET /v1/accounts/<id>/query, X-Query-Key, "SINCE <interval> seconds ago" appended', async () => {
    let answer: object = { results: [{ result: 2.5 }] };
    const nr = await fakeServer(() => ({ body: answer }));
    try {
      const settings = settingsOf({ address: nr.url, intervalMs: 120_000, secret: { newrelic_account_id: '12345', newrelic_query_key: 'qk' } });
      expect(await read('newrelic', settings, 'SELECT percentage(count(*), WHERE error IS true) FROM Transaction\n')).to.deep.equal({
        kind: 'value',
        value: 2.5,
      });
      const [q] = nr.seen;
      expect(q.path).to.equal('/v1/accounts/12345/query');
      expect(q.params.get('nrql')).to.equal('SELECT percentage(count(*), WHERE error IS true) FROM Transaction SINCE 120 seconds ago');
      expect(q.headers['x-query-key']).to.equal('qk');
      answer = { results: [{ result: null }] };
      expect(await read('newrelic', settings, 'q')).to.deep.equal({ kind: 'no-values' });
      answer = { results: [{ count: 7 }] };
      expect(await read('newrelic', settings, 'q')).to.deep.equal({ kind: 'value', value: 7 });
      // Flagger's New Relic provider reads anything but exactly one result as no values.
      answer = { results: [{ result: 1 }, { result: 2 }] };
      picked(
        'no-values',
        undefined,
        /^the query returned 2 results; Flagger reads anything but one result as no values/,
      )(await read('newrelic', settings, 'q'));
    } finally {
      nr.close();
    }
  });

  it('Dynatrace: GET /api/v2/metrics/query, Api-Token, resolution=Inf, from/to in epoch ms over 10 intervals', async () => {
    let answer: object = {
      result: [
        { metricId: 'builtin:service.response.time', data: [{ dimensionMap: { 'dt.entity.service': 'SERVICE-1' }, timestamps: [NOW], values: [812.5] }] },
      ],
    };
    const dt = await fakeServer(() => ({ body: answer }));
    try {
      const settings = settingsOf({ address: dt.url, secret: { dynatrace_token: 'dt0c01.abc' } });
      expect(await read('dynatrace', settings, 'builtin:service.response.time:percentile(95)')).to.deep.equal({ kind: 'value', value: 812.5 });
      const [q] = dt.seen;
      expect(q.path).to.equal('/api/v2/metrics/query');
      expect(Object.fromEntries(q.params)).to.deep.equal({
        metricSelector: 'builtin:service.response.time:percentile(95)',
        resolution: 'Inf',
        from: String(NOW - 600_000),
        to: String(NOW),
      });
      expect(q.headers.authorization).to.equal('Api-Token dt0c01.abc');
      answer = { result: [{ metricId: 'm', data: [{ dimensionMap: {}, values: [null] }] }] };
      expect(await read('dynatrace', settings, 'm')).to.deep.equal({ kind: 'no-values' });
      answer = {
        result: [
          {
            metricId: 'm',
            data: [
              { dimensionMap: { a: '1' }, values: [1] },
              { dimensionMap: { a: '2' }, values: [2] },
            ],
          },
        ],
      };
      // Flagger's Dynatrace provider reads the last series of the first metric selector's result.
      picked('value', 2, /^the query returned 2 series; used the last, \{metricId="m",a="2"\}, as Flagger does/)(await read('dynatrace', settings, 'm'));
      answer = {
        result: [
          { metricId: 'm', data: [{ dimensionMap: { a: '1' }, values: [1] }] },
          { metricId: 'n', data: [{ dimensionMap: { a: '2' }, values: [2] }] },
        ],
      };
      expect(await read('dynatrace', settings, 'm,n')).to.deep.equal({ kind: 'value', value: 1 });
      await METRIC_BACKENDS.dynatrace.connect(settings).probe();
      expect(dt.seen.at(-1)?.rawPath).to.equal('/api/v2/metrics?pageSize=1');
    } finally {
      dt.close();
    }
  });

  it('Splunk: POST /v2/signalflow/execute (program body, X-SF-Token, start/stop over 10 intervals), server-sent events', async () => {
    const events = (payloads: object[]) =>
      [
        'event: control-message',
        'data: {"event":"STREAM_START"}',
        '',
        'event: metadata',
        'data: {"tsId":"AAA","properties":{"sf_metric":"traces.count"}}',
        '',
        ...payloads.flatMap((p) => ['event: data', `data: ${JSON.stringify(p, null, 1).split('\n').join('\ndata: ')}`, '']),
        'event: control-message',
        'data: {"event":"END_OF_CHANNEL"}',
        '',
        '',
      ].join('\n');
    let answer = events([
      { data: [{ tsId: 'AAA', value: 97.5 }], logicalTimestampMs: NOW - 60_000 },
      { data: [{ tsId: 'AAA', value: 98.25 }], logicalTimestampMs: NOW },
    ]);
    let status = 200;
    const sf = await fakeServer(() => ({ status, type: 'text/event-stream', body: answer }));
    try {
      const settings = settingsOf({ address: sf.url, secret: { sf_token_key: 'sf-token' } });
      const program = "data('traces.count').sum().publish()";
      expect(await read('splunk', settings, program)).to.deep.equal({ kind: 'value', value: 98.25 });
      const [q] = sf.seen;
      expect([q.method, q.path, q.body]).to.deep.equal(['POST', '/v2/signalflow/execute', program]);
      expect(Object.fromEntries(q.params)).to.deep.equal({ start: String(NOW - 600_000), stop: String(NOW), immediate: 'true' });
      expect(q.headers['x-sf-token']).to.equal('sf-token');
      answer = events([{ data: [{ tsId: 'AAA', value: null }], logicalTimestampMs: NOW }]);
      expect(await read('splunk', settings, program)).to.deep.equal({ kind: 'no-values' });
      answer = events([
        {
          data: [
            { tsId: 'AAA', value: 1 },
            { tsId: 'BBB', value: 2 },
          ],
          logicalTimestampMs: NOW,
        },
      ]);
      // Flagger's Splunk provider refuses values from more than one time series.
      const refused = await read('splunk', settings, program);
      expect(refused.kind === 'ambiguous' && refused.detail).to.match(
        /^the query returned 2 series with data \(\{tsId="AAA"\} \{tsId="BBB"\}\); Flagger refuses/,
      );
      answer = ['event: error', 'data: {"error":400,"errorType":"ANALYTICS_PROGRAM_ERROR","message":"unexpected token"}', '', ''].join('\n');
      expect(await errorOf(METRIC_BACKENDS.splunk.connect(settings).query('bad('))).to.include(
        'rejected the program: 400 ANALYTICS_PROGRAM_ERROR unexpected token',
      );
      status = 401;
      answer = '{"message":"unauthorized"}';
      const message = await errorOf(METRIC_BACKENDS.splunk.connect(settings).query(program));
      expect(message).to.include('Splunk Observability at').and.include('answered HTTP 401').and.not.include('sf-token');
    } finally {
      sf.close();
    }
  });

  it('Splunk: api.<realm> in the template becomes stream.<realm> for SignalFlow, and back for the probe', async () => {
    const { splunkHosts } = await import('../../../src/analysis/backends/splunk.js');
    expect(splunkHosts('https://api.us1.signalfx.com')).to.deep.equal({ api: 'https://api.us1.signalfx.com', stream: 'https://stream.us1.signalfx.com' });
    expect(splunkHosts('wss://stream.eu0.signalfx.com')).to.deep.equal({ api: 'https://api.eu0.signalfx.com', stream: 'https://stream.eu0.signalfx.com' });
  });

  it('InfluxDB 2: POST /api/v2/query?org= with a Flux body and "Token" auth; annotated CSV read per table', async () => {
    const csv = (rows: string[]) =>
      [
        '#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,double,string',
        '#group,false,false,true,true,false,true',
        '#default,_result,,,,,',
        ',result,table,_start,_stop,_value,_field',
        ...rows,
        '',
        '',
      ].join('\r\n');
    let answer = csv([',,0,2026-11-28T11:59:00Z,2026-11-28T12:00:00Z,4.75,errors']);
    const influx = await fakeServer(() => ({ type: 'text/csv', body: answer }));
    try {
      const settings = settingsOf({ address: influx.url, secret: { token: 'influx-token', org: 'acme' } });
      const flux = 'from(bucket: "default") |> range(start: -1m) |> mean()';
      expect(await read('influxdb', settings, flux)).to.deep.equal({ kind: 'value', value: 4.75 });
      const [q] = influx.seen;
      expect([q.method, q.path, q.params.get('org')]).to.deep.equal(['POST', '/api/v2/query', 'acme']);
      expect(q.headers.authorization).to.equal('Token influx-token');
      expect(JSON.parse(q.body)).to.deep.include({ query: flux, type: 'flux' });
      answer = csv([]);
      expect(await read('influxdb', settings, flux)).to.deep.equal({ kind: 'no-values' });
      answer = csv([',,0,2026-11-28T11:59:00Z,2026-11-28T12:00:00Z,NaN,errors']);
      expect(await read('influxdb', settings, flux)).to.deep.equal({ kind: 'no-values' });
      answer = csv([',,0,2026-11-28T11:59:00Z,2026-11-28T12:00:00Z,1,a', ',,1,2026-11-28T11:59:00Z,2026-11-28T12:00:00Z,2,b']);
      // Flagger's InfluxDB provider reads the first record of the answer: the first table's.
      picked(
        'value',
        1,
        /^the query returned 2 series; used the first, \{result="_result",table="0"\}, as Flagger does: merge the tables/,
      )(await read('influxdb', settings, flux));
      answer = '#datatype,string,string\n#group,true,true\n#default,,\n,error,reference\n,"bucket ""x"" not found",\n\n';
      expect(await errorOf(METRIC_BACKENDS.influxdb.connect(settings).query(flux))).to.include('failed the query: bucket "x" not found');
      expect(
        await errorOf(Promise.resolve().then(() => METRIC_BACKENDS.influxdb.connect(settingsOf({ address: influx.url, secret: { token: 't' } })))),
      ).to.include('its secret has no org');
    } finally {
      influx.close();
    }
  });

  it('Google Cloud Monitoring: the serviceAccountKey signs a JWT grant; timeSeries:query with the Bearer token', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    let answer: object = {
      timeSeriesData: [{ labelValues: [{ stringValue: 'podinfo' }], pointData: [{ values: [{ doubleValue: 123.5 }], timeInterval: {} }] }],
    };
    const google = await fakeServer((s) => {
      if (s.path === '/token') {
        // The grant as RFC 7523 defines it, verified with the key pair's public half.
        const form = new URLSearchParams(s.body);
        expect(form.get('grant_type')).to.equal('urn:ietf:params:oauth:grant-type:jwt-bearer');
        const [h, p, sig] = (form.get('assertion') ?? '').split('.');
        const ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(publicKey, Buffer.from(sig, 'base64url'));
        const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
        if (!ok || claims.iss !== 'sluice@proj.iam.gserviceaccount.com' || claims.scope !== 'https://www.googleapis.com/auth/monitoring.read') {
          return { status: 400, body: { error: 'invalid_grant' } };
        }
        return { body: { access_token: 'ya29.token', expires_in: 3600, token_type: 'Bearer' } };
      }
      if (s.headers.authorization !== 'Bearer ya29.token') return { status: 401, body: { error: { status: 'UNAUTHENTICATED', message: 'no' } } };
      if (JSON.parse(s.body).query === '') return { status: 400, body: { error: { status: 'INVALID_ARGUMENT', message: 'empty query' } } };
      return { body: answer };
    });
    try {
      const key = JSON.stringify({
        client_email: 'sluice@proj.iam.gserviceaccount.com',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        token_uri: `${google.url}/token`,
      });
      const settings = settingsOf({ address: google.url, secret: { project: 'proj', serviceAccountKey: key } });
      const mql = "fetch k8s_container | metric 'istio.io/service/server/response_latencies' | within 1m";
      expect(await read('stackdriver', settings, mql)).to.deep.equal({ kind: 'value', value: 123.5 });
      const q = google.seen.find((s) => s.path.startsWith('/v3/'))!;
      expect([q.method, q.path, JSON.parse(q.body).query]).to.deep.equal(['POST', '/v3/projects/proj/timeSeries:query', mql]);
      answer = {};
      expect(await read('stackdriver', settings, mql)).to.deep.equal({ kind: 'no-values' });
      answer = { timeSeriesData: [{ pointData: [{ values: [{ doubleValue: 1 }] }] }, { pointData: [{ values: [{ int64Value: '2' }] }] }] };
      // Flagger's Cloud Monitoring provider reads the first time series.
      picked('value', 1, /^the query returned 2 series; used the first, \{series="0"\}/)(await read('stackdriver', settings, mql));
      await METRIC_BACKENDS.stackdriver.connect(settings).probe(); // 400 INVALID_ARGUMENT for the empty query: available
    } finally {
      google.close();
    }
  });

  it("Google Cloud Monitoring: without a key, the metadata server's token (Workload Identity); a 403 fails the probe", async () => {
    const google = await fakeServer((s) => {
      if (s.path.startsWith('/computeMetadata/')) {
        if (s.headers['metadata-flavor'] !== 'Google') return { status: 403, body: 'missing Metadata-Flavor' };
        return { body: { access_token: 'wi-token', expires_in: 3600 } };
      }
      return { status: 403, body: { error: { status: 'PERMISSION_DENIED', message: 'monitoring.timeSeries.list' } } };
    });
    try {
      const settings = settingsOf({ address: google.url, secret: { project: 'proj' }, env: { GCE_METADATA_HOST: new URL(google.url).host } });
      const message = await errorOf(METRIC_BACKENDS.stackdriver.connect(settings).probe());
      expect(message).to.include('answered HTTP 403 PERMISSION_DENIED');
      expect(google.seen.find((s) => s.path.startsWith('/v3/'))?.headers.authorization).to.equal('Bearer wi-token');
    } finally {
      google.close();
    }
  });

  it('CloudWatch: GetMetricData over AWS JSON 1.0, SigV4-signed (checked by an independent verifier), 10 intervals, 20 datapoints', async () => {
    const secretKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    let answer: object = { MetricDataResults: [{ Id: 'e1', Label: 'ErrorRate', StatusCode: 'Complete', Timestamps: [NOW / 1000], Values: [0.04, 0.5] }] };
    const aws = await fakeServer((s) => {
      const problem = sigV4Problem(s, secretKey, 'eu-west-1', 'monitoring');
      if (problem) return { status: 403, body: { __type: 'com.amazon.coral.service#SignatureDoesNotMatch', message: problem } };
      if (s.headers['x-amz-target'] !== 'GraniteServiceVersion20100801.GetMetricData') return { status: 400, body: { __type: '#UnknownOperationException' } };
      if (JSON.parse(s.body).MetricDataQueries.length === 0)
        return { status: 400, body: { __type: 'com.amazonaws.cloudwatch#InvalidParameterValueException', message: 'no queries' } };
      return { body: answer };
    });
    try {
      const env = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: secretKey, AWS_SESSION_TOKEN: 'session/token+1' };
      const settings = settingsOf({ address: aws.url, region: 'eu-west-1', env });
      const query = JSON.stringify([
        { Id: 'e1', Expression: 'm1 / m2', Label: 'ErrorRate' },
        { Id: 'm1', MetricStat: { Metric: { Namespace: 'App', MetricName: 'Errors' }, Period: 60, Stat: 'Sum' }, ReturnData: false },
      ]);
      expect(await read('cloudwatch', settings, query)).to.deep.equal({ kind: 'value', value: 0.04 });
      const [q] = aws.seen;
      const sent = JSON.parse(q.body);
      expect(sent).to.deep.include({ StartTime: NOW / 1000 - 600, EndTime: NOW / 1000, MaxDatapoints: 20 });
      expect(sent.MetricDataQueries).to.deep.equal(JSON.parse(query));
      expect(q.headers['x-amz-security-token']).to.equal('session/token+1');
      answer = { MetricDataResults: [{ Id: 'e1', Values: [] }] };
      expect(await read('cloudwatch', settings, query)).to.deep.equal({ kind: 'no-values' });
      answer = {
        MetricDataResults: [
          { Id: 'a', Values: [1] },
          { Id: 'b', Values: [2] },
        ],
      };
      // Flagger's CloudWatch provider reads the first result, even one without values.
      picked(
        'value',
        1,
        /^the query returned 2 series; used the first, \{Id="a"\}, as Flagger does: return one result/,
      )(await read('cloudwatch', settings, query));
      answer = {
        MetricDataResults: [
          { Id: 'a', Values: [] },
          { Id: 'b', Values: [2] },
        ],
      };
      picked('no-values', undefined, /used the first, \{Id="a"\}, which has no value/)(await read('cloudwatch', settings, query));
      await METRIC_BACKENDS.cloudwatch.connect(settings).probe(); // 400 for no queries: available
      const wrong = settingsOf({ address: aws.url, region: 'eu-west-1', env: { ...env, AWS_SECRET_ACCESS_KEY: 'not-the-key' } });
      const message = await errorOf(METRIC_BACKENDS.cloudwatch.connect(wrong).query(query));
      expect(message).to.include('answered HTTP 403: SignatureDoesNotMatch').and.not.include('not-the-key');
    } finally {
      aws.close();
    }
  });
});
