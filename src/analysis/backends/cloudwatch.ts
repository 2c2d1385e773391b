// Amazon CloudWatch: GetMetricData over the AWS JSON 1.0 protocol (POST / to
// monitoring.<region>.amazonaws.com, X-Amz-Target GraniteServiceVersion20100801.GetMetricData),
// signed with SigV4. The query is the MetricDataQueries list as JSON; the range is the last ten
// metric intervals with at most 20 datapoints, as Flagger asks it, and a result is worth its
// first value (CloudWatch returns the newest first). Credentials come from the AWS SDKs' default
// chain (aws-credentials.ts: environment, web identity, shared files, container endpoint, EC2
// instance metadata); a secretRef with aws_access_key_id and aws_secret_access_key is a Sluice
// addition (Flagger reads no secret for CloudWatch).
import {
  configError,
  numberOf,
  providerHeaders,
  seriesResult,
  type BackendClient,
  type BackendSettings,
  type MetricBackend,
  type SecretKey,
} from './backend.js';
import { baseUrlOf, endpointOf, failure, jsonOf, send, urlAt, type BackendEndpoint } from './exchange.js';
import { signRequest } from './sigv4.js';
import { awsCredentialChain } from './aws-credentials.js';

const SECRET_KEYS: readonly SecretKey[] = [
  { name: 'aws_access_key_id', required: false, what: "Sluice addition: an access key id instead of the environment's" },
  { name: 'aws_secret_access_key', required: false, what: 'Sluice addition: its secret access key' },
  { name: 'aws_session_token', required: false, what: 'Sluice addition: a session token for temporary keys' },
];

const TARGET = 'GraniteServiceVersion20100801.GetMetricData';

export const cloudwatch: MetricBackend = {
  title: 'CloudWatch',
  secretKeys: SECRET_KEYS,
  window: 'StartTime = now - 10 x interval, EndTime = now, MaxDatapoints 20; the first value of the first result',
  probe: 'GetMetricData with no queries answers 200 or 400 (not 403: the IAM permission cloudwatch:GetMetricData is there)',
  manySeries: { rule: 'first', oneSeries: 'return one result (ReturnData: false on the other queries)' },
  connect: (settings) => connectCloudWatch(settings),
};

function connectCloudWatch(settings: BackendSettings): BackendClient {
  const region = settings.region?.trim();
  if (!region) throw configError('CloudWatch', '', 'spec.provider.region is required');
  const address = settings.address ?? `https://monitoring.${region}.amazonaws.com`;
  const at = endpointOf('CloudWatch', address);
  const url = urlAt(baseUrlOf(at, address), '/');
  const credentials = awsCredentialChain(at, region, settings);
  const call = async (input: Record<string, unknown>) => {
    const body = JSON.stringify(input);
    const headers = signRequest({
      method: 'POST',
      url,
      body,
      region,
      service: 'monitoring',
      credentials: await credentials(),
      now: new Date(settings.now()),
      headers: { ...providerHeaders(settings.headers), 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': TARGET },
    });
    return send(at, {
      url,
      method: 'POST',
      headers,
      body,
      deadlineMs: settings.timeoutMs,
      maxResponseBytes: settings.maxResponseBytes,
      insecureSkipVerify: settings.insecureSkipVerify,
    });
  };
  return {
    address: at.address,
    async query(query) {
      let queries: unknown;
      try {
        queries = JSON.parse(query);
      } catch (err) {
        throw failure(at, `: the query is not a JSON list of MetricDataQuery: ${(err as Error).message}`, 'bad-query');
      }
      if (!Array.isArray(queries)) throw failure(at, ': the query is not a JSON list of MetricDataQuery', 'bad-query');
      const end = Math.trunc(settings.now() / 1000);
      const res = await call({ MetricDataQueries: queries, StartTime: end - Math.trunc((10 * settings.intervalMs) / 1000), EndTime: end, MaxDatapoints: 20 });
      const answer = jsonOf(at, res) as { MetricDataResults?: unknown; __type?: unknown; message?: unknown; Message?: unknown };
      if (res.status < 200 || res.status >= 300) throw awsError(at, res.status, answer);
      const results = Array.isArray(answer?.MetricDataResults) ? answer.MetricDataResults : [];
      return seriesResult(
        results.map((r: { Id?: unknown; Label?: unknown; Values?: unknown }) => ({
          labels: { ...(typeof r?.Id === 'string' ? { Id: r.Id } : {}), ...(typeof r?.Label === 'string' ? { Label: r.Label } : {}) },
          value: Array.isArray(r?.Values) && r.Values.length ? numberOf(r.Values[0]) : undefined,
        })),
      );
    },
    async probe() {
      const res = await call({ MetricDataQueries: [], StartTime: 0, EndTime: 0 });
      if ((res.status >= 200 && res.status < 300) || res.status === 400) return;
      throw awsError(at, res.status, jsonOf(at, res));
    },
  };
}

function awsError(at: BackendEndpoint, status: number, answer: unknown): Error {
  const { __type: type, message, Message } = (answer ?? {}) as Record<string, unknown>;
  const name = typeof type === 'string' ? type.replace(/^.*#/, '') : 'error';
  const kind = status === 400 ? 'bad-query' : 'http';
  const hint = status === 403 ? ': the credentials need cloudwatch:GetMetricData' : '';
  return failure(at, ` answered HTTP ${status}: ${name}: ${String(message ?? Message ?? '')}${hint}`, kind, status);
}
