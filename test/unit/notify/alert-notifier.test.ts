// The AlertSink end to end against local receivers: which providers get which alerts (the
// severity filter), secretRef, the global notifier, a proxy (forwarding and CONNECT), failures.
import { expect } from 'chai';
import { pino } from 'pino';
import { AlertNotifier } from '../../../src/notify/alert-notifier.js';
import { postJson } from '../../../src/notify/post.js';
import { subscribes } from '../../../src/notify/severity.js';
import { NEW_REVISION_MESSAGE } from '../../../src/notify/alert.js';
import { canary, fakeKube, provider, type FakeObjects } from './fixtures.js';
import { startProxy, startReceiver, type Proxy, type Receiver } from './receivers.js';

const quiet = pino({ level: 'silent' });

describe('severity filter', () => {
  it('info gets everything; otherwise an exact match, and warn also gets error', () => {
    const table: [Parameters<typeof subscribes>[0], 'info' | 'warn' | 'error', boolean][] = [
      ['info', 'info', true],
      ['info', 'warn', true],
      ['info', 'error', true],
      ['warn', 'info', false],
      ['warn', 'warn', true],
      ['warn', 'error', true],
      ['error', 'info', false],
      ['error', 'warn', false],
      ['error', 'error', true],
      [undefined, 'error', true],
      ['', 'info', true],
    ];
    for (const [subscription, severity, expected] of table) {
      expect(subscribes(subscription, severity), `${subscription} <- ${severity}`).to.equal(expected);
    }
  });
});

describe('AlertNotifier', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.status = 200;
  });

  const objects = (): FakeObjects => ({
    providers: [
      provider('slack-all', { type: 'slack', address: `${receiver.url}/slack-all`, channel: 'deploys' }),
      provider('teams-warn', { type: 'msteams', address: `${receiver.url}/teams-warn` }),
      provider('chat-errors', { type: 'gchat', address: `${receiver.url}/chat-errors` }, 'ops'),
      provider('discord', { type: 'discord', address: `${receiver.url}/discord` }),
      provider('rocket', { type: 'rocket', address: `${receiver.url}/rocket`, username: 'sluice' }),
      provider('secret-slack', { type: 'slack', secretRef: { name: 'slack-hook' } }),
      provider('broken', { type: 'slack', secretRef: { name: 'missing' } }),
    ],
    secrets: [{ name: 'slack-hook', namespace: 'test', data: { address: `${receiver.url}/from-secret`, token: 'xoxb-123' } }],
  });
  const notifier = (extra: Partial<ConstructorParameters<typeof AlertNotifier>[0]> = {}) =>
    new AlertNotifier({ kube: fakeKube(objects()), log: quiet, clusterName: 'kind-1', ...extra });

  const subscriptions = [
    { name: 'all', severity: 'info' as const, providerRef: { name: 'slack-all' } },
    { name: 'warnings', severity: 'warn' as const, providerRef: { name: 'teams-warn' } },
    { name: 'errors', severity: 'error' as const, providerRef: { name: 'chat-errors', namespace: 'ops' } },
  ];

  it('sends each alert to the providers whose severity subscribes to it', async () => {
    const n = notifier();
    await n.send(canary(subscriptions), 'info', NEW_REVISION_MESSAGE);
    expect(receiver.received.map((r) => r.path)).to.deep.equal(['/slack-all']);

    receiver.received.length = 0;
    await n.send(canary(subscriptions), 'warn', 'Rolling back podinfo.test manual webhook invoked');
    expect(receiver.received.map((r) => r.path).sort()).to.deep.equal(['/slack-all', '/teams-warn']);

    receiver.received.length = 0;
    const deliveries = await n.deliver(canary(subscriptions), 'error', 'Rolling back podinfo.test failed checks threshold reached 5');
    expect(receiver.received.map((r) => r.path).sort()).to.deep.equal(['/chat-errors', '/slack-all', '/teams-warn']);
    expect(deliveries.every((d) => d.ok)).to.equal(true);
    const slack = receiver.received.find((r) => r.path === '/slack-all')!;
    expect(slack.headers['content-type']).to.equal('application/json');
    expect(slack.body.channel).to.equal('deploys');
    expect(slack.body.username).to.equal('flagger');
    expect(slack.body.attachments[0]).to.include({
      color: 'danger',
      author_name: 'podinfo.test',
      text: 'Rolling back podinfo.test failed checks threshold reached 5',
    });
    expect(slack.body.attachments[0].fields).to.deep.equal([{ title: 'Cluster', value: 'kind-1', short: false }]);
    const teams = receiver.received.find((r) => r.path === '/teams-warn')!;
    expect(teams.body).to.include({ '@type': 'MessageCard', themeColor: 'FF0000', summary: 'podinfo.test' });
    const chat = receiver.received.find((r) => r.path === '/chat-errors')!;
    expect(chat.body.cards[0].header).to.include({ title: 'Flagger', subtitle: 'podinfo.test' });
  });

  it('delivers the new-revision details to discord (<url>/slack) and rocket', async () => {
    await notifier().send(
      canary([
        { name: 'd', severity: 'info', providerRef: { name: 'discord' } },
        { name: 'r', providerRef: { name: 'rocket' } },
      ]),
      'info',
      NEW_REVISION_MESSAGE,
    );
    const byPath = Object.fromEntries(receiver.received.map((r) => [r.path, r.body]));
    expect(Object.keys(byPath).sort()).to.deep.equal(['/discord/slack', '/rocket']);
    expect(byPath['/discord/slack'].attachments[0].color).to.equal('good');
    expect(byPath['/rocket'].username).to.equal('sluice');
    expect(byPath['/rocket'].attachments[0].color).to.equal('#0076D7');
    expect(byPath['/rocket'].attachments[0].fields.map((f: any) => f.title)).to.deep.equal([
      'Cluster',
      'Target',
      'Failed checks threshold',
      'Progress deadline',
      'Traffic routing',
    ]);
  });

  it('reads address and token from the secretRef; a missing secret fails that provider only', async () => {
    const deliveries = await notifier().deliver(
      canary([
        { name: 's', providerRef: { name: 'secret-slack' } },
        { name: 'b', providerRef: { name: 'broken' } },
        { name: 'gone', providerRef: { name: 'no-such-provider' } },
      ]),
      'info',
      'Canary is waiting for approval.',
    );
    expect(receiver.received.map((r) => r.path)).to.deep.equal(['/from-secret']);
    expect(receiver.received[0].headers.authorization).to.equal('Bearer xoxb-123');
    const failed = deliveries.filter((d) => !d.ok);
    expect(failed.map((d) => d.via)).to.deep.equal(['AlertProvider test/broken', 'AlertProvider test/no-such-provider']);
    expect(failed[0].error).to.match(/missing/);
  });

  it('a receiver error is reported with its status and body, and send() still resolves', async () => {
    receiver.status = 400;
    const n = notifier();
    const deliveries = await n.deliver(canary([subscriptions[0]]), 'info', 'Canary is waiting for approval.');
    expect(deliveries[0].ok).to.equal(false);
    expect(deliveries[0].error).to.match(/answered 400: invalid_payload/);
    expect(deliveries[0].error).to.not.include('/slack-all'); // webhook paths are secrets
    await n.send(canary([subscriptions[0]]), 'info', 'Canary is waiting for approval.');
  });

  it('a Canary without alerts goes to the global Slack and Teams webhooks, and to nothing without them', async () => {
    await notifier().send(canary([]), 'info', 'Canary analysis completed successfully, promotion finished.');
    expect(receiver.received).to.have.length(0);
    await notifier({ global: { slackUrl: `${receiver.url}/global-slack`, slackChannel: 'releases', msteamsUrl: `${receiver.url}/global-teams` } }).send(
      canary([]),
      'info',
      'Canary analysis completed successfully, promotion finished.',
    );
    const byPath = Object.fromEntries(receiver.received.map((r) => [r.path, r.body]));
    expect(byPath['/global-slack']).to.include({ channel: 'releases', username: 'flagger' });
    expect(byPath['/global-teams']).to.include({ '@type': 'MessageCard', themeColor: '0076D7' });
  });

  it('a slow receiver is given up after the timeout', async () => {
    const { createServer } = await import('node:http');
    const slow = createServer(() => {
      /* never answers */
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const port = (slow.address() as import('node:net').AddressInfo).port;
    const started = Date.now();
    const d = await notifier({ timeoutMs: 200, global: { slackUrl: `http://127.0.0.1:${port}/x` } }).deliver(canary([]), 'info', 'hi');
    expect(d[0].error).to.match(/timeout: no complete answer within 200ms/);
    expect(Date.now() - started).to.be.lessThan(2000);
    slow.closeAllConnections();
    slow.close();
  });
});

describe('notifications through a proxy', () => {
  let proxy: Proxy;
  let plain: Receiver;
  let tls: Receiver & { ca?: string };
  before(async () => {
    proxy = await startProxy();
    plain = await startReceiver();
    tls = await startReceiver({ tls: true });
  });
  after(async () => {
    await proxy.close();
    await plain.close();
    await tls.close();
  });

  it('forwards a plain-http webhook through the proxy with Proxy-Authorization', async () => {
    const kube = fakeKube({ providers: [provider('p', { type: 'slack', address: `${plain.url}/hook`, proxy: proxy.url })], secrets: [] });
    const d = await new AlertNotifier({ kube, log: quiet }).deliver(canary([{ name: 'p', providerRef: { name: 'p' } }]), 'info', 'via proxy');
    expect(d[0]).to.include({ ok: true });
    expect(proxy.seen.map((s) => s.line)).to.deep.equal([`POST ${plain.url}/hook`]);
    expect(proxy.seen[0].headers['proxy-authorization']).to.equal(`Basic ${Buffer.from('user:s3cret').toString('base64')}`);
    expect(plain.received[0].body.attachments[0].text).to.equal('via proxy');
  });

  it('tunnels an https webhook with CONNECT; TLS runs end to end inside the tunnel', async () => {
    proxy.seen.length = 0;
    const out = await postJson({ url: `${tls.url}/secure`, body: { text: 'hello' }, headers: {} }, { proxy: proxy.url, ca: tls.ca! });
    expect(out.status).to.equal(200);
    const authority = new URL(tls.url).host;
    expect(proxy.seen.map((s) => s.line)).to.deep.equal([`CONNECT ${authority}`]);
    expect(tls.received[0]).to.deep.include({ method: 'POST', path: '/secure', body: { text: 'hello' } });
  });

  it('a proxy that refuses the tunnel is reported', async () => {
    const { createServer } = await import('node:http');
    const refusing = createServer();
    refusing.on('connect', (_req, socket) => {
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
    });
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    const port = (refusing.address() as import('node:net').AddressInfo).port;
    let error = '';
    await postJson({ url: `${tls.url}/secure`, body: {}, headers: {} }, { proxy: `http://127.0.0.1:${port}`, ca: tls.ca! }).catch((e: Error) => {
      error = e.message;
    });
    expect(error).to.match(/refused CONNECT 127\.0\.0\.1:\d+: 407/);
    refusing.close();
  });
});
