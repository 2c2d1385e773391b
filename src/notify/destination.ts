// Where one notification goes and how it must look: the provider kind renders an Alert into an
// HTTP request for a destination. Every kind is pure; posting is the caller's business.
import type { Alert } from './alert.js';

export interface Destination {
  /** Webhook address (or Slack's API endpoint when only a token is given). */
  readonly url: string;
  /** HTTP proxy the request goes through, e.g. http://proxy.corp:3128. */
  readonly proxy?: string;
  /** Default "general". */
  readonly channel: string;
  /** Default "flagger". */
  readonly username: string;
  /** Bearer token (Slack's chat.postMessage API). */
  readonly token?: string;
}

export interface OutgoingMessage {
  readonly url: string;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

export interface NotifierKind {
  readonly type: string;
  render(alert: Alert, destination: Destination): OutgoingMessage;
}

export const DEFAULT_CHANNEL = 'general';
export const DEFAULT_USERNAME = 'flagger';

export const bearer = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});
