// Discord: the Slack payload, posted to the webhook's Slack-compatible endpoint "<url>/slack".
import { slackPayload } from './slack.js';
import { bearer, type NotifierKind } from './destination.js';

/** Appends "/slack" to the webhook path unless it is already there (query kept). */
export function slackCompatibleUrl(url: string): string {
  const u = new URL(url);
  if (!u.pathname.endsWith('/slack')) u.pathname = `${u.pathname.replace(/\/+$/, '')}/slack`;
  return u.toString();
}

export const discord: NotifierKind = {
  type: 'discord',
  render: (alert, destination) => ({
    url: slackCompatibleUrl(destination.url),
    body: slackPayload(alert, destination),
    headers: bearer(destination.token),
  }),
};
