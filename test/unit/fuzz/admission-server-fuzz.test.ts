// The admission HTTPS server itself under fuzzed and hostile requests, over real TLS: random
// bytes, truncated and deeply nested JSON, bodies over the limit, wrong or missing content types
// and encodings, chunked bodies, broken request heads, slow clients and floods of connections.
// Every answer is a well-formed AdmissionReview or a Kubernetes Status with the HTTP status that
// names what was wrong (never a 5xx for what a client sent), and reviews keep being answered.
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { Agent } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { pino } from 'pino';
import { canaryLookupFromList } from '../../../src/admission/canary-lookup.js';
import { SMALL_BODY_BYTES } from '../../../src/admission/body-budget.js';
import { MAX_REVIEW_DEPTH } from '../../../src/admission/review.js';
import { startAdmissionServer, WEBHOOK_PATHS, type AdmissionServer } from '../../../src/admission/server.js';
import { podinfoCanary } from '../admission/fixtures.js';
import { httpsRequest, type HttpsReply } from '../admission/https-client.js';
import { fuzzSeed } from './seed.js';
import { Rng, mutate } from './mutate.js';
import { chunked, rawExchange, requestHead, type RawOutcome } from './raw-https.js';

const SEED = fuzzSeed('admission HTTPS fuzz');
const N = Number(process.env.SLUICE_FUZZ_HTTPS_N ?? 150);
const CONCURRENCY = 8;

const LIMIT = 1024 * 1024;
/** The fuzzed server's request deadline: room for a 1 MiB body on a busy machine. */
const DEADLINE_MS = 3000;
/** The slow-client test's, short so the test is. */
const SHORT_DEADLINE_MS = 1000;
const MAX_CONNECTIONS = 48;
const OPERATOR = 'system:serviceaccount:sluice-system:sluice';
const PATHS = Object.values(WEBHOOK_PATHS);

const dir = 'test/fixtures/admission';
const reviews: any[] = [...readdirSync(dir).map((f) => `${dir}/${f}`), ...readdirSync(`${dir}/recorded`).map((f) => `${dir}/recorded/${f}`)]
  .filter((f) => f.endsWith('.json') && !f.endsWith('malformed.json'))
  .map((f) => JSON.parse(readFileSync(f, 'utf8')));

/** What a case may be answered with: the statuses allowed and, for a refusal, what its message says. */
interface Want {
  readonly statuses: readonly number[];
  readonly message?: RegExp;
  /** The uid a 200 must echo. */
  readonly uid?: string;
  /** A broken head may be cut off without an answer. */
  readonly closeWithoutAnswer?: boolean;
}

interface Case {
  readonly kind: string;
  readonly parts: (string | Buffer)[];
  readonly want: Want;
}

const json = (headers: Record<string, string> = {}) => ({ 'content-type': 'application/json', ...headers });

/** A request with a Content-Length, written in one to four pieces (TCP may cut anywhere). */
function post(rng: Rng, path: string, body: Buffer, headers: Record<string, string>, method = 'POST'): (string | Buffer)[] {
  const bytes = Buffer.concat([Buffer.from(requestHead(method, path, { ...headers, 'content-length': String(body.length) })), body]);
  const cuts = Array.from({ length: rng.int(4) }, () => rng.int(bytes.length)).sort((a, b) => a - b);
  const edges = [0, ...cuts, bytes.length];
  return edges
    .slice(1)
    .map((end, i) => bytes.subarray(edges[i], end))
    .filter((b) => b.length);
}

function chunkedPost(rng: Rng, path: string, body: Buffer, headers: Record<string, string>): (string | Buffer)[] {
  const cuts = Array.from({ length: 1 + rng.int(6) }, () => rng.int(body.length));
  return [requestHead('POST', path, { ...headers, 'transfer-encoding': 'chunked' }), ...chunked(body, cuts)];
}

function randomBytes(rng: Rng, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => rng.int(256)));
}

/** `inner` wrapped in `levels` objects or arrays. */
function nest(rng: Rng, levels: number, inner = '1'): string {
  return rng.next() < 0.5 ? '{"a":'.repeat(levels) + inner + '}'.repeat(levels) : '['.repeat(levels) + inner + ']'.repeat(levels);
}

const GENERATORS: Record<string, (rng: Rng) => Case> = {
  review(rng) {
    const review = rng.pick(reviews);
    const headers = json(
      rng.next() < 0.3 ? { 'content-type': rng.pick(['application/json; charset=utf-8', 'Application/JSON', 'application/json;charset="UTF-8"']) } : {},
    );
    return {
      kind: 'review',
      parts: post(rng, rng.pick(PATHS), Buffer.from(JSON.stringify(review)), headers),
      want: { statuses: [200], uid: review.request.uid },
    };
  },
  'chunked review'(rng) {
    const review = rng.pick(reviews);
    return {
      kind: 'chunked review',
      parts: chunkedPost(rng, rng.pick(PATHS), Buffer.from(JSON.stringify(review)), json()),
      want: { statuses: [200], uid: review.request.uid },
    };
  },
  'mutated review'(rng) {
    let doc: any = rng.pick(reviews);
    for (let m = 1 + rng.int(3); m > 0; m--) doc = mutate(doc, rng);
    const uid = doc?.request?.uid;
    return {
      kind: 'mutated review',
      parts: post(rng, rng.pick(PATHS), Buffer.from(JSON.stringify(doc) ?? 'null'), json()),
      want: { statuses: [200, 400], ...(typeof uid === 'string' ? { uid } : {}), message: /^(malformed AdmissionReview|body is not valid JSON)/ },
    };
  },
  'random bytes'(rng) {
    return {
      kind: 'random bytes',
      parts: post(rng, rng.pick(PATHS), randomBytes(rng, rng.int(4000)), json()),
      want: { statuses: [400], message: /^(body is not valid JSON|malformed AdmissionReview)/ },
    };
  },
  'truncated review'(rng) {
    const text = Buffer.from(JSON.stringify(rng.pick(reviews)));
    return {
      kind: 'truncated review',
      parts: post(rng, rng.pick(PATHS), text.subarray(0, rng.int(text.length)), json()),
      want: { statuses: [400], message: /^(body is not valid JSON|malformed AdmissionReview)/ },
    };
  },
  'prototype keys'(rng) {
    const review = structuredClone(rng.pick(reviews));
    const text = JSON.stringify(review)
      .replace('"request":{', `"request":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},`)
      .replace('"metadata":{', '"metadata":{"__proto__":{"polluted":1},"toString":"x",');
    return { kind: 'prototype keys', parts: post(rng, rng.pick(PATHS), Buffer.from(text), json()), want: { statuses: [200], uid: review.request.uid } };
  },
  'deep nesting'(rng) {
    const levels = MAX_REVIEW_DEPTH + 1 + rng.int(100_000);
    const deep = nest(rng, levels);
    // At the top, inside the object under review, or deep and broken further on: refused before parsing.
    const body = rng.pick([
      deep,
      JSON.stringify(rng.pick(reviews)).replace('"metadata":{', `"metadata":{"deep":${deep},`),
      `${deep.slice(0, deep.length / 2)}oops`,
    ]);
    return {
      kind: 'deep nesting',
      parts: post(rng, rng.pick(PATHS), Buffer.from(body), json()),
      want: { statuses: [400], message: new RegExp(`^malformed AdmissionReview: nested deeper than ${MAX_REVIEW_DEPTH} levels$`) },
    };
  },
  'shallow nesting'(rng) {
    const review = rng.pick(reviews);
    const body = JSON.stringify(review).replace('"metadata":{', `"metadata":{"deep":${nest(rng, 1 + rng.int(MAX_REVIEW_DEPTH - 10))},`);
    return { kind: 'shallow nesting', parts: post(rng, rng.pick(PATHS), Buffer.from(body), json()), want: { statuses: [200], uid: review.request.uid } };
  },
  'over the limit, declared'(rng) {
    const length = LIMIT + 1 + rng.int(64 * 1024);
    const body = Buffer.alloc(length, ' ');
    return {
      kind: 'over the limit, declared',
      parts: post(rng, rng.pick(PATHS), body, json()),
      want: { statuses: [413], message: new RegExp(`^AdmissionReview body of ${length} bytes exceeds the ${LIMIT} byte limit$`) },
    };
  },
  'over the limit, chunked'(rng) {
    const body = Buffer.alloc(LIMIT + 1 + rng.int(64 * 1024), ' ');
    return {
      kind: 'over the limit, chunked',
      parts: chunkedPost(rng, rng.pick(PATHS), body, json()),
      want: { statuses: [413], message: new RegExp(`^AdmissionReview body exceeds the ${LIMIT} byte limit$`) },
    };
  },
  'content type'(rng) {
    const review = rng.pick(reviews);
    const type = rng.pick([
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/yaml',
      'application/jsonx',
      'json',
      '*/*',
      ';;',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      undefined,
    ]);
    const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type };
    return {
      kind: 'content type',
      parts: post(rng, rng.pick(PATHS), Buffer.from(JSON.stringify(review)), headers),
      want: { statuses: [415], message: /(Content-Type must be application\/json|charset must be utf-8)/ },
    };
  },
  'content encoding'(rng) {
    const encoding = rng.pick(['gzip', 'deflate', 'br', 'zstd', 'x-unknown']);
    return {
      kind: 'content encoding',
      parts: post(rng, rng.pick(PATHS), randomBytes(rng, 200), json({ 'content-encoding': encoding })),
      want: { statuses: [415], message: new RegExp(`^Content-Encoding ${encoding} is not accepted`) },
    };
  },
  'method or path'(rng) {
    const [method, path] =
      rng.next() < 0.5
        ? [rng.pick(['GET', 'PUT', 'DELETE', 'PATCH']), rng.pick(PATHS)]
        : ['POST', rng.pick(['/', '/mutate/pods', '/validate', `/${'x'.repeat(rng.int(4000))}`, '/%zz', '/mutate/deployments/extra'])];
    return { kind: 'method or path', parts: post(rng, path, Buffer.from('{}'), json(), method), want: { statuses: [404], message: /^no webhook at / } };
  },
  'broken head'(rng) {
    const head = rng.pick([
      () => randomBytes(rng, 1 + rng.int(300)),
      () =>
        Buffer.from(
          `POST ${rng.pick(PATHS)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${rng.pick(['abc', '-1', '1 2', '99999999999999999999'])}\r\n`,
        ),
      () => Buffer.from(`POST ${rng.pick(PATHS)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n`),
      () => Buffer.from(`POST ${rng.pick(PATHS)} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000 + rng.int(20_000))}\r\n`),
      () => Buffer.from(`POST ${rng.pick(PATHS)} HTTP/9.9\r\nHost: x\r\n`),
      () => Buffer.from(`POST ${rng.pick(PATHS)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`),
      () => Buffer.from(`POST ${rng.pick(PATHS)} HTTP/1.1\r\nno colon here\r\n`),
    ])();
    return {
      kind: 'broken head',
      parts: [Buffer.concat([head, Buffer.from('\r\n\r\n')])],
      want: { statuses: [400, 408, 431], message: /\S/, closeWithoutAnswer: true },
    };
  },
  'no Host'(rng) {
    const review = rng.pick(reviews);
    const body = Buffer.from(JSON.stringify(review));
    const head = `POST ${rng.pick(PATHS)} HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    return { kind: 'no Host', parts: [Buffer.concat([Buffer.from(head), body])], want: { statuses: [200], uid: review.request.uid } };
  },
  'shorter than declared'(rng) {
    const review = Buffer.from(JSON.stringify(rng.pick(reviews)));
    const parts = post(rng, rng.pick(PATHS), review, json()).map((p) => Buffer.from(p));
    const all = Buffer.concat(parts);
    // The client stops sending: the server waits for the rest until its deadline, then says so.
    return {
      kind: 'shorter than declared',
      parts: [all.subarray(0, all.length - 1 - rng.int(review.length))],
      want: { statuses: [408], message: new RegExp(`^request not received in full within ${DEADLINE_MS / 1000} s$`) },
    };
  },
};

/** The Kubernetes Status reason for each refusal status. */
const REASONS: Record<number, string> = {
  400: 'BadRequest',
  404: 'NotFound',
  408: 'Timeout',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  431: 'RequestHeaderFieldsTooLarge',
};

/** Holds the outcome of a case to its Want: a description of what is wrong, or undefined. */
function judge(c: Case, outcome: RawOutcome): string | undefined {
  const { answer } = outcome;
  if (!answer) return c.want.closeWithoutAnswer && outcome.closedByServer ? undefined : `no answer (closed by server: ${outcome.closedByServer})`;
  if (!c.want.statuses.includes(answer.status)) return `status ${answer.status}, want ${c.want.statuses.join('/')}: ${answer.body.slice(0, 300)}`;
  let body: any;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return `${answer.status} with a body that is not JSON: ${answer.body.slice(0, 200)}`;
  }
  if (!/^application\/json/.test(answer.headers['content-type'] ?? '')) return `content-type ${answer.headers['content-type']}`;
  return answer.status === 200 ? judgeReview(c, body) : judgeRefusal(c, answer.status, body, answer.body);
}

/** A 200 must be an AdmissionReview answering the request's uid. */
function judgeReview(c: Case, body: any): string | undefined {
  if (body.apiVersion !== 'admission.k8s.io/v1' || body.kind !== 'AdmissionReview')
    return `200 that is not an AdmissionReview: ${JSON.stringify(body).slice(0, 200)}`;
  if (typeof body.response?.allowed !== 'boolean') return 'response.allowed is not a boolean';
  if (c.want.uid !== undefined && body.response.uid !== c.want.uid) return `uid ${body.response.uid}, want ${c.want.uid}`;
  return undefined;
}

/** A refusal must be a Kubernetes Status with the HTTP status's reason and the expected message. */
function judgeRefusal(c: Case, status: number, body: any, raw: string): string | undefined {
  if (body.kind !== 'Status' || body.apiVersion !== 'v1' || body.status !== 'Failure') return `refusal that is not a Status: ${raw.slice(0, 200)}`;
  if (body.code !== status || body.reason !== REASONS[status]) return `Status code ${body.code} reason ${body.reason} for HTTP ${status}`;
  if (typeof body.message !== 'string' || !c.want.message?.test(body.message))
    return `message ${JSON.stringify(body.message)?.slice(0, 300)}, want ${c.want.message}`;
  return undefined;
}

const log = pino({ level: 'silent' });

async function startServer(extra: Partial<Parameters<typeof startAdmissionServer>[0]> = {}): Promise<AdmissionServer> {
  return startAdmissionServer({
    operatorUsername: OPERATOR,
    port: 0,
    log,
    canaries: canaryLookupFromList([podinfoCanary('Succeeded')]),
    selfMade: { keyBits: 1024 },
    bodyLimitBytes: LIMIT,
    requestDeadlineMs: DEADLINE_MS,
    maxConnections: MAX_CONNECTIONS,
    ...extra,
  });
}

/** One well-formed review, answered 200 with its uid: the server is still doing its job. */
async function normalReview(server: AdmissionServer): Promise<string | undefined> {
  const review = reviews[0];
  const outcome = await rawExchange(post(new Rng(1), WEBHOOK_PATHS.mutateDeployments, Buffer.from(JSON.stringify(review)), json()), {
    port: server.port,
    ca: server.caBundle,
  });
  return judge({ kind: 'normal', parts: [], want: { statuses: [200], uid: review.request.uid } }, outcome);
}

describe(`fuzz: the admission server over HTTPS, ${N} requests (seed ${SEED})`, function () {
  this.timeout(120_000);
  let server: AdmissionServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.close();
  });

  it('answers every request with an AdmissionReview or the Status that names the fault, never a 5xx', async () => {
    const rng = new Rng(SEED);
    const cases = Array.from({ length: N }, () => GENERATORS[rng.pick(Object.keys(GENERATORS))](rng));
    const failures: string[] = [];
    const seen: Record<string, number> = {};
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < cases.length) {
          const i = next++;
          const c = cases[i];
          seen[c.kind] = (seen[c.kind] ?? 0) + 1;
          const problem = judge(c, await rawExchange(c.parts, { port: server.port, ca: server.caBundle, giveUpMs: 20_000 }));
          if (problem)
            failures.push(
              `case ${i} (${c.kind}, ${JSON.stringify(
                Buffer.from(c.parts[0] ?? '')
                  .subarray(0, 60)
                  .toString('latin1'),
              )}): ${problem}`,
            );
        }
      }),
    );
    console.log(
      `      ${Object.entries(seen)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    );
    expect(failures.slice(0, 20), `${failures.length} of ${N} requests answered wrongly (SLUICE_FUZZ_SEED=${SEED})`).to.deep.equal([]);
    expect(await normalReview(server)).to.equal(undefined);
    expect(({} as Record<string, unknown>).polluted, 'Object.prototype polluted').to.equal(undefined);
  });
});

describe('admission server over HTTPS: slow clients and floods', function () {
  this.timeout(30_000);

  it(`closes slow clients at the ${SHORT_DEADLINE_MS} ms deadline with a 408 that says so, serving reviews meanwhile`, async () => {
    const server = await startServer({ requestDeadlineMs: SHORT_DEADLINE_MS });
    try {
      const target = { port: server.port, ca: server.caBundle, gapMs: 100 };
      const head = requestHead('POST', WEBHOOK_PATHS.mutateDeployments, json({ 'content-length': '100000' }));
      const slow = {
        'body drip': rawExchange([head, ...Array(1000).fill(' ')], target),
        'head drip': rawExchange(head.split(''), target),
        'chunk drip': rawExchange(
          [requestHead('POST', WEBHOOK_PATHS.validateOwned, json({ 'transfer-encoding': 'chunked' })), ...Array(1000).fill('1\r\n \r\n')],
          target,
        ),
        'silent after TLS': rawExchange([], target),
      };
      // Connected, and not even a TLS handshake.
      const silentTcp = new Promise<void>((resolve) => {
        const s = tcpConnect({ host: '127.0.0.1', port: server.port });
        s.on('close', () => resolve());
        s.on('error', () => undefined);
      });
      let done = false;
      const all = Promise.all([...Object.values(slow), silentTcp]).finally(() => {
        done = true;
      });
      const served: (string | undefined)[] = [];
      while (!done) {
        served.push(await normalReview(server));
        await new Promise((r) => setTimeout(r, 50));
      }
      const outcomes = await all;
      expect(served.length).to.be.greaterThan(3);
      expect(served.filter(Boolean), 'reviews answered wrongly while slow clients were connected').to.deep.equal([]);
      Object.keys(slow).forEach((name, i) => {
        const { answer } = outcomes[i] as RawOutcome;
        expect(answer?.status, name).to.equal(408);
        expect(JSON.parse(answer!.body), name).to.include({ kind: 'Status', code: 408, reason: 'Timeout', message: 'request not received in full within 1 s' });
      });
    } finally {
      await server.close();
    }
  });

  it('bodies past the budget are refused with 429 before they are read, while small reviews pass', async () => {
    const limit = 256 * 1024;
    const budget = 1024 * 1024;
    const server = await startServer({ bodyLimitBytes: limit, bodyBudgetBytes: budget, requestDeadlineMs: 30_000 });
    const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      const big = Buffer.from(`{"pad":"${'x'.repeat(limit - 20)}"}`);
      const head = requestHead('POST', WEBHOOK_PATHS.mutateDeployments, json({ 'content-length': String(big.length) }));
      // Four large bodies, sent in part and held there, take the whole budget.
      const holders = Array.from({ length: budget / limit }, () =>
        rawExchange([head, big.subarray(0, 1000), big.subarray(1000)], { port: server.port, ca: server.caBundle, pause: { after: 2, until: released } }),
      );
      for (let i = 0; i < 200 && server.bodyBytes().held < holders.length * big.length; i++) await new Promise((r) => setTimeout(r, 50));
      expect(server.bodyBytes().held, 'reserved by the held bodies').to.equal(holders.length * big.length);
      // Node's client writes its whole body before it reads: the early refusal still reaches it.
      const byNode = await httpsRequest(`https://127.0.0.1:${server.port}${WEBHOOK_PATHS.mutateDeployments}`, { ca: server.caBundle, agent, body: big }).catch(
        (err: Error): HttpsReply => ({ status: 0, body: err.message, headers: {}, json: () => undefined }),
      );
      const flood = await Promise.all(Array.from({ length: 16 }, () => rawExchange([head, big], { port: server.port, ca: server.caBundle })));
      const small = await Promise.all(Array.from({ length: 4 }, () => normalReview(server)));
      release();
      const held = await Promise.all(holders);

      expect(byNode.status, byNode.body).to.equal(429);
      expect(byNode.json()).to.include({
        kind: 'Status',
        code: 429,
        reason: 'TooManyRequests',
        message: `admission server busy: request bodies already hold the ${budget}-byte budget; retry`,
      });
      expect(byNode.headers['retry-after']).to.equal('1');
      expect(flood.map((o) => o.answer?.status)).to.deep.equal(Array(16).fill(429));
      expect(small.filter(Boolean), 'small reviews while the budget is taken').to.deep.equal([]);
      expect(
        held.map((o) => o.answer?.status),
        'the held bodies, judged once complete',
      ).to.deep.equal(Array(budget / limit).fill(400));
      const { peak } = server.bodyBytes();
      console.log(
        `      ${budget / limit} held bodies of ${big.length} bytes took the budget; 17 more refused (429), 4 reviews answered; at most ${peak} body bytes held`,
      );
      // The budget, and the small bodies (reviews) that always fit besides.
      expect(peak).to.be.at.most(budget + 4 * SMALL_BODY_BYTES);
      expect(server.bodyBytes().held, 'bytes still held after every answer').to.equal(0);
      expect(await normalReview(server)).to.equal(undefined);
    } finally {
      release();
      agent.destroy();
      await server.close();
    }
  });

  it(`past ${MAX_CONNECTIONS} connections new ones are dropped, and served again once they close`, async () => {
    const server = await startServer({ requestDeadlineMs: 30_000 });
    const idle = Array.from({ length: MAX_CONNECTIONS }, () => tlsConnect({ host: '127.0.0.1', port: server.port, ca: server.caBundle }));
    try {
      await Promise.all(
        idle.map(
          (s) =>
            new Promise((r) => {
              s.once('secureConnect', r);
              s.once('error', r);
            }),
        ),
      );
      const extra = await rawExchange([requestHead('GET', '/healthz', {})], { port: server.port, ca: server.caBundle, giveUpMs: 10_000 });
      expect(extra).to.deep.include({ closedByServer: true });
      expect(extra.answer).to.equal(undefined);
      for (const s of idle) s.destroy();
      await new Promise((r) => setTimeout(r, 100));
      expect(await normalReview(server)).to.equal(undefined);
    } finally {
      for (const s of idle) s.destroy();
      await server.close();
    }
  });
});
