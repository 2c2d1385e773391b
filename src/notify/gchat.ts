// Google Chat incoming webhook: one card headed "Flagger" / "name.namespace", the message as the
// first text paragraph, then one paragraph per detail field.
import { alertSubject, type Alert } from './alert.js';
import { bearer, type NotifierKind } from './destination.js';

export interface GoogleChatCard {
  cards: {
    header: { title: string; subtitle: string; imageUrl: string };
    sections: { widgets: { textParagraph: { text: string } }[] }[];
  }[];
}

const grey = (text: string) => `<font color=#848484><strong>${text}</strong></font>`;
const paragraph = (text: string) => ({ widgets: [{ textParagraph: { text } }] });

export function googleChatCard(alert: Alert): GoogleChatCard {
  return {
    cards: [
      {
        // Title kept as Flagger's, so filters and habits built on it keep working.
        header: { title: 'Flagger', subtitle: alertSubject(alert), imageUrl: 'https://flagger.app/favicon.png' },
        sections: [paragraph(grey(alert.message)), ...alert.fields.map((f) => paragraph(`${f.name}<br>${grey(f.value)}`))],
      },
    ],
  };
}

export const gchat: NotifierKind = {
  type: 'gchat',
  render: (alert, destination) => ({ url: destination.url, body: googleChatCard(alert), headers: bearer(destination.token) }),
};
