// Apache SkyWalking against a local server of the OAP's GraphQL endpoint and health check: it
// checks the document, the `duration` variable and the content type Sluice sends, and answers with
// the shapes readMetricsValues documents.
import { expect } from 'chai';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { METRIC_BACKENDS } from '../../../src/analysis/backends/table.js';
import type { BackendSettings } from '../../../src/analysis/backends/backend.js';
import { readingOf, type Reading } from '../../../src/analysis/reading.js';

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Answer = { status?: number; body: object | string };

async function oapServer(answer: (seen: Seen) => Answer) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const s = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      seen.push(s);
      const a = answer(s);
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json' });
      res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => server.close() };
}

const NOW = Date.parse('2026-11-28T12:34:56.000Z');
const settingsOf = (address: string): BackendSettings => ({
  address,
  intervalMs: 5 * 60_000,
  timeoutMs: 2000,
  maxResponseBytes: 1024 * 1024,
  now: () => NOW,
  env: {},
});
const backend = METRIC_BACKENDS.skywalking;
const read = async (address: string, query: string): Promise<Reading> => readingOf(await backend.connect(settingsOf(address)).query(query), backend.manySeries);
const QUERY =
  'query queryData($duration: Duration!) { service_apdex: readMetricsValues(condition: {name: "service_apdex"}, duration: $duration) { label values { values { value } } } }';
const field = (...values: (number | null)[]) => ({ label: null, values: { values: values.map((value) => ({ value })) } });

describe('metric backends: SkyWalking (GraphQL) against a local OAP endpoint', () => {
  it('POSTs the document to /graphql with the last interval as a minute-stepped duration in UTC; the first non-null point', async () => {
    const oap = await oapServer(() => ({ body: { data: { service_apdex: field(null, 9800, 9500) } } }));
    try {
      const reading = await read(oap.url, QUERY);
      expect(reading).to.deep.equal({ kind: 'value', value: 9800 });
      const [req] = oap.seen;
      expect(req.method).to.equal('POST');
      expect(req.path).to.equal('/graphql');
      expect(req.headers['content-type']).to.equal('application/json');
      expect(JSON.parse(req.body)).to.deep.equal({
        query: QUERY,
        variables: { duration: { start: '2026-11-28 1229', end: '2026-11-28 1234', step: 'MINUTE' } },
      });
    } finally {
      oap.close();
    }
  });

  it('a field with only null points is "no values"', async () => {
    const oap = await oapServer(() => ({ body: { data: { service_apdex: field(null, null) } } }));
    try {
      expect(await read(oap.url, QUERY)).to.deep.equal({ kind: 'no-values' });
    } finally {
      oap.close();
    }
  });

  it('several fields: the first with a point is used, and the reading says so', async () => {
    const oap = await oapServer(() => ({ body: { data: { empty: field(null), apdex: field(7), sla: field(99) } } }));
    try {
      const reading = await read(oap.url, QUERY);
      expect(reading).to.include({ kind: 'value', value: 7 });
      expect(reading)
        .to.have.property('series')
        .that.matches(/3 series, 2 with data; used the first with data .*field="apdex"/);
    } finally {
      oap.close();
    }
  });

  it("GraphQL errors fail the query with the server's message, naming the backend", async () => {
    const oap = await oapServer(() => ({ body: { data: null, errors: [{ message: 'Validation error of type FieldUndefined' }] } }));
    try {
      const err = await backend
        .connect(settingsOf(oap.url))
        .query(QUERY)
        .then(
          () => undefined,
          (e: Error) => e,
        );
      expect(err?.message).to.match(/^SkyWalking at http:\/\/127\.0\.0\.1:\d+ refused the query: Validation error of type FieldUndefined/);
    } finally {
      oap.close();
    }
  });

  it('the availability check: GET /internal/l7check, 200 or 405 (older OAP) pass, 503 fails with the status', async () => {
    let status = 200;
    const oap = await oapServer(() => ({ status, body: '' }));
    try {
      const client = backend.connect(settingsOf(oap.url));
      await client.probe();
      status = 405;
      await client.probe();
      status = 503;
      const err = await client.probe().then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).to.match(/answered HTTP 503 to its health check \/internal\/l7check/);
      expect(oap.seen.map((s) => `${s.method} ${s.path}`)).to.deep.equal(Array(3).fill('GET /internal/l7check'));
    } finally {
      oap.close();
    }
  });

  it('an address is required, named by its field', () => {
    expect(() => backend.connect({ ...settingsOf(''), address: undefined })).to.throw(/spec\.provider\.address is required/);
  });
});
