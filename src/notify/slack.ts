// Slack incoming webhook (or chat.postMessage with a token): one attachment coloured good or
// danger, titled "name.namespace", the message as markdown, the details as fields.
import { alertSubject, type Alert } from './alert.js';
import { bearer, type Destination, type NotifierKind } from './destination.js';

export interface SlackPayload {
  channel: string;
  username: string;
  icon_emoji: string;
  attachments: {
    color: string;
    author_name: string;
    text: string;
    mrkdwn_in: string[];
    fields: { title: string; value: string; short: boolean }[];
  }[];
}

/** The Slack message shape; Discord and Rocket.Chat accept it too, with their own colours. */
export function slackPayload(alert: Alert, destination: Destination, colors = { ok: 'good', error: 'danger' }): SlackPayload {
  return {
    channel: destination.channel,
    username: destination.username,
    icon_emoji: ':rocket:',
    attachments: [
      {
        color: alert.severity === 'error' ? colors.error : colors.ok,
        author_name: alertSubject(alert),
        text: alert.message,
        mrkdwn_in: ['text'],
        fields: alert.fields.map((f) => ({ title: f.name, value: f.value, short: false })),
      },
    ],
  };
}

export const slack: NotifierKind = {
  type: 'slack',
  render: (alert, destination) => ({
    url: destination.url,
    body: slackPayload(alert, destination),
    headers: bearer(destination.token),
  }),
};
