// Turns an AlertProvider (and its Secret, when it names one) into a Destination, with Flagger's
// defaults: channel "general", username "flagger". The Secret's `address` wins over
// `spec.address`; its `token` is sent as a Bearer token; its `proxy` wins over `spec.proxy`.
import type { AlertProvider } from '../api/types.js';
import { DEFAULT_CHANNEL, DEFAULT_USERNAME, type Destination } from './destination.js';

/** Slack's Web API endpoint, for a provider that gives a token and no webhook address. */
export const SLACK_POST_MESSAGE_URL = 'https://slack.com/api/chat.postMessage';

export class DestinationError extends Error {}

export function destinationOf(provider: AlertProvider, secret: Readonly<Record<string, string>> = {}): Destination {
  const { spec } = provider;
  const where = `AlertProvider ${provider.metadata.namespace ?? 'default'}/${provider.metadata.name}`;
  const token = secret.token || undefined;
  let url = secret.address || spec.address || '';
  if (!url && token && spec.type === 'slack') url = SLACK_POST_MESSAGE_URL;
  if (!url) {
    throw new DestinationError(
      spec.secretRef
        ? `${where}: secret ${spec.secretRef.name} has no "address" key and spec.address is empty`
        : `${where}: no address (set spec.address or spec.secretRef)`,
    );
  }
  try {
    new URL(url);
  } catch {
    throw new DestinationError(`${where}: address is not a URL`);
  }
  const proxy = secret.proxy || spec.proxy || undefined;
  return {
    url,
    channel: spec.channel || DEFAULT_CHANNEL,
    username: spec.username || DEFAULT_USERNAME,
    ...(proxy ? { proxy } : {}),
    ...(token ? { token } : {}),
  };
}
