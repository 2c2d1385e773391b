// Google Cloud Monitoring (Stackdriver): an MQL query over the REST API
// (POST <address>/v3/projects/<project>/timeSeries:query {"query": ...}) with an OAuth access
// token. The token comes from the secret's serviceAccountKey (a JWT grant signed with the key,
// at the key's token_uri) or, without one, from the metadata server (Workload Identity), as
// Google's client libraries do. The query sets its own window (| within, | every). A series is
// worth its first point's first value, as Flagger reads it.
import { createSign } from 'node:crypto';
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
import { baseUrlOf, endpointOf, exchange, failure, jsonOf, send, urlAt, type BackendEndpoint } from './exchange.js';

export const STACKDRIVER_DEFAULT_ADDRESS = 'https://monitoring.googleapis.com';
const METADATA_DEFAULT_HOST = 'metadata.google.internal';
const SCOPE = 'https://www.googleapis.com/auth/monitoring.read';

const SECRET_KEYS: readonly SecretKey[] = [
  { name: 'project', required: 'always', what: 'the Google Cloud project id' },
  { name: 'serviceAccountKey', required: false, what: 'a service account JSON key; without it, Workload Identity' },
];

export const stackdriver: MetricBackend = {
  title: 'Google Cloud Monitoring',
  secretKeys: SECRET_KEYS,
  defaultAddress: STACKDRIVER_DEFAULT_ADDRESS,
  window: 'none added: the MQL query sets it (| within {{ interval }}, | every)',
  probe: 'timeSeries:query with an empty query answers 200 or 400 INVALID_ARGUMENT (not 401/403)',
  manySeries: { rule: 'first', oneSeries: 'aggregate it with | group_by []' },
  connect: (settings) => connectStackdriver(settings),
};

interface ServiceAccountKey {
  readonly client_email: string;
  readonly private_key: string;
  readonly token_uri?: string;
}

function connectStackdriver(settings: BackendSettings): BackendClient {
  const address = settings.address ?? STACKDRIVER_DEFAULT_ADDRESS;
  const at = endpointOf('Google Cloud Monitoring', address);
  requireKeys(at.title, at.address, SECRET_KEYS, settings.secret);
  const base = baseUrlOf(at, address);
  const project = settings.secret!.project.trim();
  const key = settings.secret!.serviceAccountKey ? keyOf(at, settings.secret!.serviceAccountKey) : undefined;
  const bounds = { deadlineMs: settings.timeoutMs, maxResponseBytes: settings.maxResponseBytes, insecureSkipVerify: settings.insecureSkipVerify };
  const tokens = accessTokens(at, key, settings);
  const run = async (query: string) => {
    const token = await tokens();
    return send(at, {
      url: urlAt(base, `/v3/projects/${encodeURIComponent(project)}/timeSeries:query`),
      method: 'POST',
      headers: { ...providerHeaders(settings.headers), 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
      ...bounds,
    });
  };
  return {
    address: at.address,
    async query(query) {
      const res = await run(query);
      const body = jsonOf(at, res) as { timeSeriesData?: unknown; error?: { status?: unknown; message?: unknown } };
      if (res.status < 200 || res.status >= 300) {
        const kind = res.status === 400 ? 'bad-query' : 'http';
        throw failure(
          at,
          ` answered HTTP ${res.status}: ${String(body?.error?.status ?? '')} ${String(body?.error?.message ?? '')}`.trimEnd(),
          kind,
          res.status,
        );
      }
      const data = Array.isArray(body?.timeSeriesData) ? body.timeSeriesData : [];
      return seriesResult(
        data.map((series: { labelValues?: unknown; pointData?: unknown }, i: number) => ({
          labels: { series: String(i), ...labelValuesOf(series?.labelValues) },
          value: firstPointValue(series?.pointData),
        })),
      );
    },
    async probe() {
      const res = await run('');
      if ((res.status >= 200 && res.status < 300) || res.status === 400) return;
      const body = jsonOf(at, res) as { error?: { status?: unknown } };
      throw failure(at, ` answered HTTP ${res.status}${body?.error?.status ? ` ${String(body.error.status)}` : ''}`, 'http', res.status);
    },
  };
}

function keyOf(at: BackendEndpoint, json: string): ServiceAccountKey {
  let key: Partial<ServiceAccountKey>;
  try {
    key = JSON.parse(json) as Partial<ServiceAccountKey>;
  } catch {
    throw configError(at.title, at.address, "the secret's serviceAccountKey is not JSON");
  }
  if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
    throw configError(at.title, at.address, "the secret's serviceAccountKey has no client_email and private_key");
  }
  return key as ServiceAccountKey;
}

/** Access tokens, fetched once and kept until a minute before they expire. */
function accessTokens(at: BackendEndpoint, key: ServiceAccountKey | undefined, settings: BackendSettings): () => Promise<string> {
  let cached: { token: string; until: number } | undefined;
  return async () => {
    if (cached && settings.now() < cached.until) return cached.token;
    const { token, expiresIn } = key ? await tokenFromKey(at, key, settings) : await tokenFromMetadata(at, settings);
    cached = { token, until: settings.now() + Math.max(0, expiresIn - 60) * 1000 };
    return token;
  };
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** The JWT bearer grant (RFC 7523): a JWT signed RS256 with the key, exchanged at token_uri. */
async function tokenFromKey(at: BackendEndpoint, key: ServiceAccountKey, settings: BackendSettings): Promise<{ token: string; expiresIn: number }> {
  const tokenUri = key.token_uri ?? 'https://oauth2.googleapis.com/token';
  const iat = Math.trunc(settings.now() / 1000);
  const unsigned = `${base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${base64url(
    JSON.stringify({
      iss: key.client_email,
      scope: SCOPE,
      aud: tokenUri,
      iat,
      exp: iat + 3600,
    }),
  )}`;
  let signature: string;
  try {
    signature = createSign('RSA-SHA256').update(unsigned).sign(key.private_key, 'base64url');
  } catch {
    throw configError(at.title, at.address, "the private_key of the secret's serviceAccountKey cannot sign");
  }
  const tokenAt = endpointOf(`${at.title} token endpoint`, tokenUri);
  const res = await exchange(tokenAt, {
    url: tokenUri,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${unsigned}.${signature}` }).toString(),
    deadlineMs: settings.timeoutMs,
    maxResponseBytes: 64 * 1024,
  });
  return tokenOf(tokenAt, jsonOf(tokenAt, res));
}

/** Workload Identity: the metadata server's token of the pod's Google service account. */
async function tokenFromMetadata(at: BackendEndpoint, settings: BackendSettings): Promise<{ token: string; expiresIn: number }> {
  const host = settings.env.GCE_METADATA_HOST || METADATA_DEFAULT_HOST;
  const url = `http://${host}/computeMetadata/v1/instance/service-accounts/default/token?scopes=${encodeURIComponent(SCOPE)}`;
  const metaAt = endpointOf(`${at.title} metadata server`, `http://${host}`);
  const res = await exchange(metaAt, { url, headers: { 'Metadata-Flavor': 'Google' }, deadlineMs: settings.timeoutMs, maxResponseBytes: 64 * 1024 });
  return tokenOf(metaAt, jsonOf(metaAt, res));
}

function tokenOf(at: BackendEndpoint, body: unknown): { token: string; expiresIn: number } {
  const { access_token: token, expires_in: expiresIn } = (body ?? {}) as { access_token?: unknown; expires_in?: unknown };
  if (typeof token !== 'string' || token === '') throw failure(at, ' answered without an access_token', 'unexpected');
  return { token, expiresIn: typeof expiresIn === 'number' ? expiresIn : 0 };
}

function labelValuesOf(values: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!Array.isArray(values)) return labels;
  values.forEach((v: Record<string, unknown>, i) => {
    const value = v?.stringValue ?? v?.int64Value ?? v?.boolValue;
    if (value !== undefined) labels[`label${i}`] = String(value);
  });
  return labels;
}

/** pointData[0].values[0]: a doubleValue, or an int64Value (a string in JSON). */
function firstPointValue(points: unknown): number | undefined {
  if (!Array.isArray(points) || points.length === 0) return undefined;
  const values = (points[0] as { values?: unknown })?.values;
  if (!Array.isArray(values) || values.length === 0) return undefined;
  const v = values[0] as { doubleValue?: unknown; int64Value?: unknown };
  return numberOf(v?.doubleValue ?? v?.int64Value);
}
