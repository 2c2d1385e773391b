// Each provider's payload, exactly as Flagger sends it (reference section 6), rendered without a network.
import { expect } from 'chai';
import { alertOf, NEW_REVISION_MESSAGE } from '../../../src/notify/alert.js';
import { NOTIFIER_KINDS, notifierKind } from '../../../src/notify/kinds.js';
import { slackCompatibleUrl } from '../../../src/notify/discord.js';
import { destinationOf, SLACK_POST_MESSAGE_URL } from '../../../src/notify/provider-destination.js';
import { canary, provider } from './fixtures.js';

const destination = { url: 'https://hooks.example/services/T0/B0/x', channel: 'general', username: 'flagger' };
const newRevision = alertOf(canary(), 'info', NEW_REVISION_MESSAGE, 'prod-eu');
const rollback = alertOf(canary(), 'error', 'Rolling back podinfo.test failed checks threshold reached 5', 'prod-eu');

describe('notification payloads', () => {
  it('the new-revision alert carries Cluster, Target, threshold, deadline and routing fields', () => {
    expect(newRevision.fields).to.deep.equal([
      { name: 'Cluster', value: 'prod-eu' },
      { name: 'Target', value: 'Deployment/podinfo.test' },
      { name: 'Failed checks threshold', value: '5' },
      { name: 'Progress deadline', value: '600s' },
      { name: 'Traffic routing', value: 'Weight step: 5 max: 50' },
    ]);
    // Other alerts carry the cluster only, as Flagger attaches details to the first one only.
    expect(rollback.fields).to.deep.equal([{ name: 'Cluster', value: 'prod-eu' }]);
    expect(alertOf(canary(), 'info', 'Canary is waiting for approval.').fields).to.deep.equal([]);
  });

  it('names the traffic routing of step lists, A/B testing and Blue/Green', () => {
    const routing = (edit: Parameters<typeof canary>[1]) =>
      alertOf(canary([], edit), 'info', NEW_REVISION_MESSAGE).fields.find((f) => f.name === 'Traffic routing')?.value;
    expect(
      routing((c) => {
        c.spec.analysis = { stepWeights: [1, 10, 30] };
      }),
    ).to.equal('Weight steps: 1,10,30 max: 30');
    expect(
      routing((c) => {
        c.spec.analysis = { iterations: 10, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] };
      }),
    ).to.equal('A/B Testing');
    expect(
      routing((c) => {
        c.spec.analysis = { iterations: 10 };
      }),
    ).to.equal('Blue/Green');
    expect(
      routing((c) => {
        c.spec.analysis = { interval: '1m' };
      }),
    ).to.equal(undefined);
  });

  it('slack: one attachment, good or danger, author name.namespace, markdown text, fields', () => {
    const info = NOTIFIER_KINDS.slack.render(newRevision, destination);
    expect(info.url).to.equal(destination.url);
    expect(info.headers).to.deep.equal({});
    expect(info.body).to.deep.equal({
      channel: 'general',
      username: 'flagger',
      icon_emoji: ':rocket:',
      attachments: [
        {
          color: 'good',
          author_name: 'podinfo.test',
          text: NEW_REVISION_MESSAGE,
          mrkdwn_in: ['text'],
          fields: newRevision.fields.map((f) => ({ title: f.name, value: f.value, short: false })),
        },
      ],
    });
    expect((NOTIFIER_KINDS.slack.render(rollback, destination).body as any).attachments[0].color).to.equal('danger');
    expect(NOTIFIER_KINDS.slack.render(rollback, { ...destination, token: 'xoxb-1' }).headers).to.deep.equal({ authorization: 'Bearer xoxb-1' });
  });

  it('discord: the Slack payload posted to <url>/slack', () => {
    const m = NOTIFIER_KINDS.discord.render(rollback, { ...destination, url: 'https://discord.com/api/webhooks/1/abc' });
    expect(m.url).to.equal('https://discord.com/api/webhooks/1/abc/slack');
    expect(m.body).to.deep.equal(NOTIFIER_KINDS.slack.render(rollback, destination).body);
    expect(slackCompatibleUrl('https://discord.com/api/webhooks/1/abc/slack')).to.equal('https://discord.com/api/webhooks/1/abc/slack');
    expect(slackCompatibleUrl('https://discord.com/api/webhooks/1/abc/?wait=true')).to.equal('https://discord.com/api/webhooks/1/abc/slack?wait=true');
  });

  it('rocket: the Slack shape with blue, or red on error', () => {
    expect((NOTIFIER_KINDS.rocket.render(newRevision, destination).body as any).attachments[0].color).to.equal('#0076D7');
    expect((NOTIFIER_KINDS.rocket.render(rollback, destination).body as any).attachments[0].color).to.equal('#FF0000');
  });

  it('msteams: a MessageCard, 0076D7 or FF0000, with facts', () => {
    expect(NOTIFIER_KINDS.msteams.render(newRevision, destination).body).to.deep.equal({
      '@type': 'MessageCard',
      '@context': 'http://schema.org/extensions',
      themeColor: '0076D7',
      summary: 'podinfo.test',
      sections: [
        { activityTitle: NEW_REVISION_MESSAGE, activitySubtitle: 'podinfo.test', facts: newRevision.fields.map((f) => ({ name: f.name, value: f.value })) },
      ],
    });
    expect((NOTIFIER_KINDS.msteams.render(rollback, destination).body as any).themeColor).to.equal('FF0000');
  });

  it('gchat: a card headed Flagger / name.namespace with one text paragraph per line', () => {
    const body = NOTIFIER_KINDS.gchat.render(rollback, destination).body as any;
    expect(body).to.deep.equal({
      cards: [
        {
          header: { title: 'Flagger', subtitle: 'podinfo.test', imageUrl: 'https://flagger.app/favicon.png' },
          sections: [
            {
              widgets: [{ textParagraph: { text: '<font color=#848484><strong>Rolling back podinfo.test failed checks threshold reached 5</strong></font>' } }],
            },
            { widgets: [{ textParagraph: { text: 'Cluster<br><font color=#848484><strong>prod-eu</strong></font>' } }] },
          ],
        },
      ],
    });
  });

  it('knows exactly the five AlertProvider types', () => {
    expect(Object.keys(NOTIFIER_KINDS).sort()).to.deep.equal(['discord', 'gchat', 'msteams', 'rocket', 'slack']);
    expect(notifierKind('pagerduty')).to.equal(undefined);
    expect(notifierKind('toString')).to.equal(undefined);
  });

  it('destinations: defaults, secret address and token, proxy, and the errors that name the provider', () => {
    expect(destinationOf(provider('chat', { type: 'slack', address: 'https://hooks.example/a' }))).to.deep.equal({
      url: 'https://hooks.example/a',
      channel: 'general',
      username: 'flagger',
    });
    expect(
      destinationOf(
        provider('chat', {
          type: 'slack',
          address: 'https://hooks.example/a',
          channel: 'ops',
          username: 'sluice',
          proxy: 'http://proxy:3128',
          secretRef: { name: 's' },
        }),
        { address: 'https://hooks.example/from-secret', token: 't0k' },
      ),
    ).to.deep.equal({ url: 'https://hooks.example/from-secret', channel: 'ops', username: 'sluice', proxy: 'http://proxy:3128', token: 't0k' });
    expect(destinationOf(provider('chat', { type: 'slack', secretRef: { name: 's' } }), { token: 'xoxb' }).url).to.equal(SLACK_POST_MESSAGE_URL);
    expect(() => destinationOf(provider('chat', { type: 'msteams', secretRef: { name: 's' } }), {})).to.throw(
      'AlertProvider test/chat: secret s has no "address" key and spec.address is empty',
    );
    expect(() => destinationOf(provider('chat', { type: 'gchat', address: 'not a url' }))).to.throw('AlertProvider test/chat: address is not a URL');
  });
});
