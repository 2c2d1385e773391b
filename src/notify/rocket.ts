// Rocket.Chat incoming webhook: the Slack payload with Flagger's Rocket colours (blue, red on error).
import { slackPayload } from './slack.js';
import { bearer, type NotifierKind } from './destination.js';

export const rocket: NotifierKind = {
  type: 'rocket',
  render: (alert, destination) => ({
    url: destination.url,
    body: slackPayload(alert, destination, { ok: '#0076D7', error: '#FF0000' }),
    headers: bearer(destination.token),
  }),
};
