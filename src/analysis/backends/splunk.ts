// Splunk Observability Cloud (SignalFx): a SignalFlow program run over the HTTP interface
// (POST <stream>/v2/signalflow/execute?start=&stop=&immediate=true, program text as the body,
// token in X-SF-Token), whose answer is a server-sent event stream. Flagger runs the same
// computation over the WebSocket interface; the messages, the range (the last ten metric
// intervals) and the rules are the same: null values dropped, none is "no values", values from
// more than one time series are refused, else the last value counts.
import {
  configError,
  numberOf,
  providerHeaders,
  requireKeys,
  seriesResult,
  type BackendClient,
  type BackendSettings,
  type MetricBackend,
  type SecretKey,
} from './backend.js';
import { baseUrlOf, endpointOf, exchange, failure, urlAt, type BackendEndpoint } from './exchange.js';

const SECRET_KEYS: readonly SecretKey[] = [{ name: 'sf_token_key', required: 'always', what: 'an access token with API scope, sent as X-SF-Token' }];

export const splunk: MetricBackend = {
  title: 'Splunk Observability',
  secretKeys: SECRET_KEYS,
  window: 'start = now - 10 x interval, stop = now (epoch ms), immediate=true; the last value',
  probe: 'GET https://api.<realm>.signalfx.com/v2/metric?limit=1 accepts the token (HTTP 200)',
  manySeries: { rule: 'refuse', oneSeries: 'aggregate the stream, e.g. with .sum(), before publish()' },
  connect: (settings) => connectSplunk(settings),
};

/**
 * The two hosts of a realm from whichever the template names, as Flagger derives them:
 * api.<realm>.signalfx.com for the REST API, stream.<realm>.signalfx.com for SignalFlow;
 * ws(s):// becomes http(s)://. Other hosts (a proxy) serve both.
 */
export function splunkHosts(address: string): { api: string; stream: string } {
  const http = address.replace(/^ws(s?):\/\//i, 'http$1://');
  const swap = (from: string, to: string) => http.replace(new RegExp(`^(https?://)${from}\\.`, 'i'), `$1${to}.`);
  return { api: swap('stream', 'api'), stream: swap('api', 'stream') };
}

function connectSplunk(settings: BackendSettings): BackendClient {
  if (!settings.address) throw configError('Splunk Observability', '', 'spec.provider.address is required (https://api.<realm>.signalfx.com)');
  const hosts = splunkHosts(settings.address);
  const at = endpointOf('Splunk Observability', hosts.stream);
  const apiAt = endpointOf('Splunk Observability', hosts.api);
  requireKeys(at.title, apiAt.address, SECRET_KEYS, settings.secret);
  const streamBase = baseUrlOf(at, hosts.stream);
  const apiBase = baseUrlOf(apiAt, hosts.api);
  const token = settings.secret!.sf_token_key;
  const bounds = { deadlineMs: settings.timeoutMs, maxResponseBytes: settings.maxResponseBytes, insecureSkipVerify: settings.insecureSkipVerify };
  return {
    address: at.address,
    async query(program) {
      const stop = settings.now();
      const url = urlAt(streamBase, '/v2/signalflow/execute', {
        start: String(stop - 10 * settings.intervalMs),
        stop: String(stop),
        immediate: 'true',
      });
      const res = await exchange(at, {
        url,
        method: 'POST',
        body: program,
        headers: { ...providerHeaders(settings.headers), 'content-type': 'text/plain', accept: 'text/event-stream', 'X-SF-Token': token },
        ...bounds,
      });
      return seriesResult(lastValuePerSeries(at, parseEventStream(res.body.toString('utf8'))));
    },
    async probe() {
      await exchange(apiAt, {
        url: urlAt(apiBase, '/v2/metric', { limit: '1' }),
        headers: { ...providerHeaders(settings.headers), accept: 'application/json', 'X-SF-Token': token },
        ...bounds,
      });
    },
  };
}

export interface StreamEvent {
  readonly event: string;
  readonly data: string;
}

/** Server-sent events: blocks split by a blank line, `event:` and `data:` fields (data lines joined by "\n"). */
export function parseEventStream(text: string): StreamEvent[] {
  const events: StreamEvent[] = [];
  for (const block of text.replace(/\r\n?/g, '\n').split(/\n\n+/)) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length) events.push({ event, data: data.join('\n') });
  }
  return events;
}

/** The data messages' payloads: per time series (tsId) its last non-null value; errors thrown. */
function lastValuePerSeries(at: BackendEndpoint, events: readonly StreamEvent[]): { labels: Record<string, string>; value: number }[] {
  const last = new Map<string, number>();
  for (const { event, data } of events) {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(data) as Record<string, unknown>;
    } catch {
      throw failure(at, ` sent a ${event} message that is not JSON`, 'unexpected');
    }
    if (event === 'error') {
      const detail = [message.error, message.errorType, message.message].filter((v) => v !== undefined).join(' ');
      throw failure(at, ` rejected the program: ${detail}`, 'bad-query');
    }
    if (event === 'control-message' && message.event === 'CHANNEL_ABORT') {
      const info = message.abortInfo as { sf_job_abortReason?: unknown } | undefined;
      throw failure(at, ` aborted the computation: ${String(info?.sf_job_abortReason ?? 'no reason given')}`, 'bad-query');
    }
    if (event !== 'data' || !Array.isArray(message.data)) continue;
    for (const payload of message.data as { tsId?: unknown; value?: unknown }[]) {
      const value = numberOf(payload?.value);
      if (value !== undefined && typeof payload.tsId === 'string') last.set(payload.tsId, value);
    }
  }
  return [...last].map(([tsId, value]) => ({ labels: { tsId }, value }));
}
