// CanaryFeed.open against a scripted apiserver (lists, held-open watches, access reviews): it asks
// before each watch, starts only the watches it may, and says once, in the log and on the page,
// what is missing when the Events watch is refused, rather than retrying a 403 for ever.
import { expect } from 'chai';
import { pino } from 'pino';
import {
  forbidden,
  kubeConfigFor,
  listAnswer,
  reviewAnswer,
  startListingApiserver,
  until,
  type ListingApiserver,
  type ReviewedAccess,
  type ScriptedAnswer,
} from '../kube/local-server.js';
import { KubeClient } from '../../../src/kube/index.js';
import { CanaryFeed } from '../../../src/dashboard/feed.js';
import type { EventStream } from '../../../src/dashboard/sse.js';

const canary = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test', resourceVersion: '5' },
  spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' }, service: { port: 9898 } },
  status: { phase: 'Progressing', canaryWeight: 10, failedChecks: 0 },
};

const event = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'podinfo.1', namespace: 'test', resourceVersion: '6' },
  involvedObject: { kind: 'Canary', name: 'podinfo', namespace: 'test' },
  type: 'Normal',
  reason: 'Synced',
  message: 'Advance podinfo.test canary weight 10',
  count: 1,
  lastTimestamp: '2026-11-29T04:00:00Z',
};

const READER = { reader: 'your Kubernetes user', eventsGrant: 'Ask for them (try: kubectl auth can-i watch events -n test).' };

/** The lists of namespace test, or of every namespace: one Canary and its Event; nothing generated yet. */
const lists = (path: string): ScriptedAnswer => {
  const inAll = path.replace('/namespaces/test/', '/');
  if (inAll === '/apis/flagger.app/v1beta1/canaries') return listAnswer([canary]);
  if (inAll === '/api/v1/events') return listAnswer([event]);
  if (/^\/apis?\/.*\/(deployments|services|horizontalpodautoscalers)$/.test(inAll)) return listAnswer();
  return { status: 404, body: { kind: 'Status', code: 404, reason: 'NotFound', message: `${path} not found` } };
};

/** Every message pushed to it, computed as the stream would send it. */
function recordingStream(): { stream: EventStream; messages: { event: string; data: any }[] } {
  const messages: { event: string; data: any }[] = [];
  return { stream: { push: (event, compute) => messages.push({ event, data: compute() }), closed: false, onClose: () => undefined }, messages };
}

/** A logger that keeps each line it writes. */
function recordingLog(): { log: pino.Logger; lines: { level: number; msg: string; [field: string]: unknown }[] } {
  const lines: { level: number; msg: string }[] = [];
  return { log: pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) }), lines };
}

/** The Canary page's view model the feed sends for test/podinfo. */
async function detailOf(feed: CanaryFeed): Promise<any> {
  const { stream, messages } = recordingStream();
  feed.subscribeDetail(stream, 'test', 'podinfo');
  await until(() => messages.some((m) => m.event === 'detail'));
  return messages.find((m) => m.event === 'detail')!.data;
}

const requestsFor = (api: ListingApiserver, resource: string) => api.seen.filter((r) => r.endsWith(`/${resource}`));

describe('CanaryFeed: the watches it may start', function () {
  this.timeout(10_000);
  let api: ListingApiserver | undefined;
  let feed: CanaryFeed | undefined;
  afterEach(async () => {
    await feed?.stop();
    await api?.close();
    feed = api = undefined;
  });

  it('without list and watch of Events: serves the Canaries, never starts the Events watch, and says once what is missing', async () => {
    api = await startListingApiserver({ review: (a: ReviewedAccess) => reviewAnswer(a.resource !== 'events'), list: lists });
    const { log, lines } = recordingLog();
    feed = await CanaryFeed.open(new KubeClient(kubeConfigFor(api.server)), 'test', log, READER);
    await feed.synced;

    const list = recordingStream();
    feed.subscribeList(list.stream);
    expect(list.messages.find((m) => m.event === 'rows')?.data.rows.map((r: any) => `${r.namespace}/${r.name}`)).to.deep.equal(['test/podinfo']);
    const detail = await detailOf(feed);
    const unavailable =
      'Events unavailable: your Kubernetes user may not list or watch events in namespace test, so the page shows the Canaries without their Events' +
      ' (and their weights only from when it started). Ask for them (try: kubectl auth can-i watch events -n test).';
    expect(detail.eventsUnavailable).to.equal(unavailable);
    expect(detail.events).to.deep.equal([]);
    expect(detail.row.name).to.equal('podinfo');

    expect(api.seen).to.include.members(['REVIEW list events ns=test', 'REVIEW watch events ns=test']);
    expect(requestsFor(api, 'events'), 'no list or watch of Events').to.deep.equal([]);
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).to.deep.equal([unavailable]);
  });

  it('with list and watch of Events allowed: starts the Events watch and shows them', async () => {
    api = await startListingApiserver({ review: () => reviewAnswer(true, 'RBAC: allowed'), list: lists });
    const { log, lines } = recordingLog();
    feed = await CanaryFeed.open(new KubeClient(kubeConfigFor(api.server)), 'test', log, READER);
    await feed.synced;

    const detail = await detailOf(feed);
    expect(detail.eventsUnavailable).to.equal(undefined);
    expect(detail.events.map((e: any) => e.message)).to.deep.equal(['Advance podinfo.test canary weight 10']);
    await until(() => requestsFor(api!, 'events').length === 2);
    expect(requestsFor(api, 'events')).to.deep.equal(['GET /api/v1/namespaces/test/events', 'WATCH /api/v1/namespaces/test/events']);
    expect(lines.filter((l) => l.level >= 40)).to.deep.equal([]);
  });

  it('when the apiserver does not answer the review: warns, and watches as it would without one', async () => {
    api = await startListingApiserver({ review: () => ({ status: 503, body: { kind: 'Status', code: 503, message: 'try again' } }), list: lists });
    const { log, lines } = recordingLog();
    feed = await CanaryFeed.open(new KubeClient(kubeConfigFor(api.server)), undefined, log, READER);
    expect(api.seen.filter((r) => r.startsWith('REVIEW')).sort()).to.deep.equal([
      'REVIEW list canaries.flagger.app ns=',
      'REVIEW list events ns=',
      'REVIEW watch canaries.flagger.app ns=',
      'REVIEW watch events ns=',
    ]);
    await until(() => requestsFor(api!, 'events').length > 0);
    expect(requestsFor(api, 'events')[0]).to.equal('GET /api/v1/events');
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).to.deep.equal([
      'could not ask the apiserver whether the rollout page may watch canaries: watching them anyway',
      'could not ask the apiserver whether the rollout page may watch events: watching them anyway',
    ]);
  });

  it('without list or watch of Canaries: no page, and the error names what is missing', async () => {
    api = await startListingApiserver({
      review: (a: ReviewedAccess) => reviewAnswer(!(a.resource === 'canaries' && a.verb === 'watch')),
      list: () => forbidden('listing'),
    });
    const { log } = recordingLog();
    const opened = await CanaryFeed.open(new KubeClient(kubeConfigFor(api.server)), 'test', log, READER).then(
      (f) => f,
      (err: Error) => err,
    );
    expect(opened).to.be.an('error');
    expect((opened as Error).message).to.equal('cannot serve the rollout page: your Kubernetes user may not watch canaries.flagger.app in namespace test');
    expect(
      api.seen.filter((r) => !r.startsWith('REVIEW')),
      'nothing listed or watched',
    ).to.deep.equal([]);
  });
});
