// Microsoft Teams incoming webhook: a legacy MessageCard, blue, red on error; the subject as
// summary and subtitle, the details as facts.
import { alertSubject, type Alert } from './alert.js';
import { bearer, type NotifierKind } from './destination.js';

export interface MessageCard {
  '@type': 'MessageCard';
  '@context': string;
  themeColor: string;
  summary: string;
  sections: { activityTitle: string; activitySubtitle: string; facts: { name: string; value: string }[] }[];
}

export function messageCard(alert: Alert): MessageCard {
  const subject = alertSubject(alert);
  return {
    '@type': 'MessageCard',
    '@context': 'http://schema.org/extensions',
    themeColor: alert.severity === 'error' ? 'FF0000' : '0076D7',
    summary: subject,
    sections: [
      {
        activityTitle: alert.message,
        activitySubtitle: subject,
        facts: alert.fields.map((f) => ({ name: f.name, value: f.value })),
      },
    ],
  };
}

export const msteams: NotifierKind = {
  type: 'msteams',
  render: (alert, destination) => ({ url: destination.url, body: messageCard(alert), headers: bearer(destination.token) }),
};
