// The AWS credentials CloudWatch requests are signed with, found as the AWS SDKs' default chain
// finds them (Flagger uses the Go SDK's), in the SDKs' documented order:
//   1. a MetricTemplate secretRef with aws_access_key_id (a Sluice addition: Flagger reads none)
//   2. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY [, AWS_SESSION_TOKEN]
//   3. web identity (IRSA): AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, STS AssumeRoleWithWebIdentity
//   4. the shared files: AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials), then AWS_CONFIG_FILE
//      (~/.aws/config), profile AWS_PROFILE (default "default"), static keys
//   5. the container endpoint (ECS task roles, EKS Pod Identity): AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
//      else AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (or _TOKEN)
//   6. EC2 instance metadata, IMDSv2 (a session token first), unless AWS_EC2_METADATA_DISABLED=true
// As in the Go SDK, the first link that is configured is the one used: its failure is the error,
// naming the link, and the chain does not go on past it. Temporary credentials (3, 5, 6) are kept
// until five minutes before their Expiration, shared by every check that uses the same source.
import { readFile } from 'node:fs/promises';
import { lookup } from 'node:dns/promises';
import { homedir } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { MetricsProviderError } from '../prometheus.js';
import { configError, type BackendSettings } from './backend.js';
import { baseUrlOf, endpointOf, exchange, failure, preview, send, urlAt, type BackendEndpoint, type BackendRequest } from './exchange.js';
import type { BoundedResponse } from '../../io/bounded-request.js';
import type { AwsCredentials } from './sigv4.js';

/** Temporary credentials are fetched anew this long before they expire. */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;
/** The instance metadata service answers on the host itself: a short deadline per call. */
export const IMDS_DEADLINE_MS = 1000;
export const CONTAINER_DEADLINE_MS = 2000;
const SMALL_ANSWER_BYTES = 64 * 1024;
const IMDS_DEFAULT_ENDPOINT = 'http://169.254.169.254';
const IMDS_IPV6_ENDPOINT = 'http://[fd00:ec2::254]';
const ECS_HOST = 'http://169.254.170.2';
/** Besides loopback, the hosts a plain-http FULL_URI may name: ECS, and EKS Pod Identity's agent. */
const CONTAINER_HOSTS = new Set(['169.254.170.2', '169.254.170.23', 'fd00:ec2::23']);

type Settings = Pick<BackendSettings, 'secret' | 'env' | 'now' | 'timeoutMs'>;

interface Expiring {
  readonly credentials: AwsCredentials;
  /** settings.now() from which they are fetched anew. */
  readonly until: number;
}

/** One link of the chain: undefined when it is not configured (the chain goes on). */
interface Link {
  /** "the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI)": named in errors. */
  readonly name: string;
  readonly get: () => Promise<AwsCredentials>;
}

const temporary = new Map<string, Promise<Expiring>>();

/**
 * The credentials to sign with, looked up on every call (cheap for keys; temporary ones come
 * from the cache). Errors are MetricsProviderErrors that start with `at` and name the link.
 */
export function awsCredentialChain(at: BackendEndpoint, region: string, settings: Settings): () => Promise<AwsCredentials> {
  const fixed = fixedLink(at, region, settings);
  return async () => {
    const link = fixed ?? (await sharedFilesLink(at, settings)) ?? remoteLink(settings);
    if (!link) {
      throw configError(
        at.title,
        at.address,
        'no AWS credentials: none in a secretRef, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, web identity (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE), ' +
          'the shared credentials and config files or a container endpoint, and the EC2 instance metadata service is off (AWS_EC2_METADATA_DISABLED)',
      );
    }
    try {
      return await link.get();
    } catch (err) {
      if (err instanceof MetricsProviderError) {
        throw new MetricsProviderError(
          `${at.title} at ${at.address}: AWS credentials from ${link.name}: ${err.message}`,
          err.failure,
          at.address,
          err.httpStatus,
        );
      }
      throw configError(at.title, at.address, `AWS credentials from ${link.name}: ${(err as Error).message}`);
    }
  };
}

/** Links 1 and 2 (keys given as they are) and 3 (web identity): chosen from settings alone. */
function fixedLink(at: BackendEndpoint, region: string, settings: Settings): Link | undefined {
  const secret = settings.secret;
  if (secret?.aws_access_key_id || secret?.aws_secret_access_key) {
    if (!secret.aws_access_key_id || !secret.aws_secret_access_key) {
      throw configError(at.title, at.address, 'its secret needs both aws_access_key_id and aws_secret_access_key');
    }
    return keys("the MetricTemplate's secretRef", secret.aws_access_key_id, secret.aws_secret_access_key, secret.aws_session_token);
  }
  const env = settings.env;
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return keys('the environment (AWS_ACCESS_KEY_ID)', env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN);
  }
  if (env.AWS_ROLE_ARN && env.AWS_WEB_IDENTITY_TOKEN_FILE) {
    const stsAddress = env.AWS_ENDPOINT_URL_STS || '';
    return {
      name: 'web identity (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE)',
      get: () =>
        cached(`web-identity ${env.AWS_ROLE_ARN} ${env.AWS_WEB_IDENTITY_TOKEN_FILE} ${stsAddress || region}`, settings, () =>
          assumeRoleWithWebIdentity(region, settings),
        ),
    };
  }
  return undefined;
}

function keys(name: string, accessKeyId: string, secretAccessKey: string, sessionToken: string | undefined): Link {
  const credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  return { name, get: async () => credentials };
}

/** Link 5 when a container endpoint is set, else link 6 unless it is turned off. */
function remoteLink(settings: Settings): Link | undefined {
  const env = settings.env;
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) {
    const url = `${ECS_HOST}${env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}`;
    return {
      name: 'the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)',
      get: () => cached(`container ${url}`, settings, () => containerCredentials(url, settings)),
    };
  }
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI) {
    const url = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
    return {
      name: 'the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI)',
      get: () => cached(`container ${url}`, settings, () => containerCredentials(url, settings)),
    };
  }
  if ((env.AWS_EC2_METADATA_DISABLED ?? '').trim().toLowerCase() === 'true') return undefined;
  const endpoint = imdsEndpoint(env);
  return {
    name: `the EC2 instance metadata service (IMDSv2 at ${endpoint}; no other credentials were found)`,
    get: () => cached(`imds ${endpoint}`, settings, () => imdsCredentials(endpoint, settings)),
  };
}

/** Fetches with `fetch` unless credentials of `key` are still good; one fetch at a time per key. */
async function cached(key: string, settings: Settings, fetch: () => Promise<Expiring>): Promise<AwsCredentials> {
  const held = temporary.get(key);
  if (held) {
    const found = await held.catch(() => undefined);
    if (found && settings.now() < found.until) return found.credentials;
    if (temporary.get(key) === held) temporary.delete(key);
  }
  const fetching = fetch();
  temporary.set(key, fetching);
  try {
    return (await fetching).credentials;
  } catch (err) {
    if (temporary.get(key) === fetching) temporary.delete(key);
    throw err;
  }
}

/** Kept until five minutes before `expiration`; without one (or past it), used once. */
function expiring(credentials: AwsCredentials, expiration: unknown, settings: Settings): Expiring {
  const at = typeof expiration === 'string' ? Date.parse(expiration) : NaN;
  return { credentials, until: Number.isNaN(at) ? settings.now() : at - REFRESH_BEFORE_EXPIRY_MS };
}

// ---- 3. web identity ----------------------------------------------------------------------

/** IRSA: STS AssumeRoleWithWebIdentity with the projected token (an unsigned call). */
async function assumeRoleWithWebIdentity(region: string, settings: Settings): Promise<Expiring> {
  const env = settings.env;
  const stsAddress = env.AWS_ENDPOINT_URL_STS || `https://sts.${region}.amazonaws.com`;
  const stsAt = endpointOf('AWS STS', stsAddress);
  let token: string;
  try {
    token = (await readFile(env.AWS_WEB_IDENTITY_TOKEN_FILE!, 'utf8')).trim();
  } catch (err) {
    throw new Error(`cannot read AWS_WEB_IDENTITY_TOKEN_FILE: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  const url = urlAt(baseUrlOf(stsAt, stsAddress), '/', {
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: env.AWS_ROLE_ARN!,
    RoleSessionName: env.AWS_ROLE_SESSION_NAME || `sluice-${Math.trunc(settings.now() / 1000)}`,
    WebIdentityToken: token,
  });
  const res = await exchange(stsAt, { url, headers: { accept: 'application/xml' }, deadlineMs: settings.timeoutMs, maxResponseBytes: SMALL_ANSWER_BYTES });
  const xml = res.body.toString('utf8');
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  const accessKeyId = field('AccessKeyId');
  const secretAccessKey = field('SecretAccessKey');
  if (!accessKeyId || !secretAccessKey) throw failure(stsAt, ' answered without credentials', 'unexpected', res.status);
  const sessionToken = field('SessionToken');
  return expiring({ accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }, field('Expiration'), settings);
}

// ---- 4. shared credentials and config files -----------------------------------------------

/** The profile's static keys from the credentials file, else the config file; undefined when neither has the profile. */
async function sharedFilesLink(at: BackendEndpoint, settings: Settings): Promise<Link | undefined> {
  const env = settings.env;
  const home = env.HOME || env.USERPROFILE || homedir();
  const profile = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || 'default';
  const files = [
    { path: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'), section: profile },
    { path: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'), section: profile === 'default' ? 'default' : `profile ${profile}` },
  ];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw configError(
        at.title,
        at.address,
        `AWS credentials from the shared file ${file.path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    const values = iniSections(text).get(file.section);
    if (!values) continue;
    const name = `the shared file ${file.path} (profile ${profile})`;
    if (values.aws_access_key_id && values.aws_secret_access_key) {
      return keys(name, values.aws_access_key_id, values.aws_secret_access_key, values.aws_session_token);
    }
    const other = ['role_arn', 'credential_process', 'sso_session', 'sso_start_url', 'web_identity_token_file'].find((k) => values[k]);
    throw configError(
      at.title,
      at.address,
      other
        ? `AWS credentials from ${name}: it uses ${other}, which Sluice does not read: give the profile aws_access_key_id and aws_secret_access_key, or use another link of the chain`
        : `AWS credentials from ${name}: the profile has no aws_access_key_id and aws_secret_access_key`,
    );
  }
  if (env.AWS_PROFILE) {
    throw configError(at.title, at.address, `AWS credentials: AWS_PROFILE names profile ${profile}, which is in neither ${files[0].path} nor ${files[1].path}`);
  }
  return undefined;
}

/** INI as the AWS files write it: [section] headers, key = value lines, # and ; comments. */
export function iniSections(text: string): Map<string, Record<string, string>> {
  const sections = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      current = sections.get(header[1].replace(/\s+/g, ' ')) ?? {};
      sections.set(header[1].replace(/\s+/g, ' '), current);
      continue;
    }
    const eq = line.indexOf('=');
    // Lines that continue a nested value (indented) and lines outside a section are not keys.
    if (!current || eq < 0 || /^\s/.test(raw)) continue;
    current[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return sections;
}

// ---- 5. container endpoint ----------------------------------------------------------------

async function containerCredentials(address: string, settings: Settings): Promise<Expiring> {
  const at = endpointOf('the container credentials endpoint', address);
  const url = await allowedContainerUrl(at, address);
  const env = settings.env;
  let token = env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
  if (env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) {
    try {
      token = (await readFile(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, 'utf8')).trim();
    } catch (err) {
      throw new Error(`cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
  }
  if (token !== undefined && /[\r\n]/.test(token)) throw new Error('the authorization token has a line break');
  const res = await fetchCredentials(at, {
    url,
    headers: { accept: 'application/json', ...(token ? { authorization: token } : {}) },
    deadlineMs: Math.min(CONTAINER_DEADLINE_MS, settings.timeoutMs),
    maxResponseBytes: SMALL_ANSWER_BYTES,
  });
  return expiring(...credentialsOf(at, res.body.toString('utf8')), settings);
}

/** Plain http only to loopback or the ECS / EKS Pod Identity addresses, as the SDKs allow it. */
async function allowedContainerUrl(at: BackendEndpoint, address: string): Promise<URL> {
  const url = baseUrlOf(at, address);
  const withPath = new URL(address);
  url.pathname = withPath.pathname;
  url.search = withPath.search;
  if (url.protocol === 'https:') return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  const allowed = (ip: string) => CONTAINER_HOSTS.has(ip) || ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
  if (addresses.length === 0 || !addresses.every(allowed)) {
    throw failure(at, ': a plain http endpoint must be loopback, 169.254.170.2, 169.254.170.23 or fd00:ec2::23 (or use https)', 'invalid-address');
  }
  return url;
}

// ---- 6. EC2 instance metadata (IMDSv2) ----------------------------------------------------

function imdsEndpoint(env: Settings['env']): string {
  if (env.AWS_EC2_METADATA_SERVICE_ENDPOINT) return env.AWS_EC2_METADATA_SERVICE_ENDPOINT.replace(/\/+$/, '');
  return (env.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE ?? '').toLowerCase() === 'ipv6' ? IMDS_IPV6_ENDPOINT : IMDS_DEFAULT_ENDPOINT;
}

/** A session token (PUT), the instance profile's role name, then its credentials. */
async function imdsCredentials(endpoint: string, settings: Settings): Promise<Expiring> {
  const at = endpointOf('the instance metadata service', endpoint);
  const base = baseUrlOf(at, endpoint);
  const bounds = { deadlineMs: Math.min(IMDS_DEADLINE_MS, settings.timeoutMs), maxResponseBytes: SMALL_ANSWER_BYTES };
  const tokenRes = await fetchCredentials(at, {
    url: urlAt(base, '/latest/api/token'),
    method: 'PUT',
    body: '',
    headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' },
    ...bounds,
  });
  const token = tokenRes.body.toString('utf8').trim();
  if (!token) throw failure(at, ' answered the token request without a token', 'unexpected', tokenRes.status);
  const headers = { 'x-aws-ec2-metadata-token': token };
  const rolesRes = await fetchCredentials(at, { url: urlAt(base, '/latest/meta-data/iam/security-credentials/'), headers, ...bounds });
  const role = rolesRes.body.toString('utf8').split('\n')[0]?.trim();
  if (!role) throw failure(at, ': the instance has no IAM role (instance profile)', 'config', rolesRes.status);
  const res = await fetchCredentials(at, { url: urlAt(base, `/latest/meta-data/iam/security-credentials/${encodeURIComponent(role)}`), headers, ...bounds });
  return expiring(...credentialsOf(at, res.body.toString('utf8')), settings);
}

/** A 2xx answer, or a failure with the status and what the endpoint said (its error, never credentials). */
async function fetchCredentials(at: BackendEndpoint, request: BackendRequest): Promise<BoundedResponse> {
  const res = await send(at, request);
  if (res.status < 200 || res.status >= 300) {
    throw failure(at, ` answered HTTP ${res.status}: ${preview(res.body.toString('utf8') || res.statusMessage || 'no body', 200)}`, 'http', res.status);
  }
  return res;
}

/** The JSON both endpoints answer: AccessKeyId, SecretAccessKey, Token, Expiration (never echoed). */
function credentialsOf(at: BackendEndpoint, text: string): [AwsCredentials, unknown] {
  let body: { Code?: unknown; AccessKeyId?: unknown; SecretAccessKey?: unknown; Token?: unknown; Expiration?: unknown; message?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw failure(at, ' did not answer with JSON credentials', 'unexpected');
  }
  if (typeof body?.Code === 'string' && body.Code !== 'Success') throw failure(at, ` answered ${body.Code}`, 'unexpected');
  if (typeof body?.AccessKeyId !== 'string' || typeof body.SecretAccessKey !== 'string' || !body.AccessKeyId || !body.SecretAccessKey) {
    throw failure(at, ' answered without AccessKeyId and SecretAccessKey', 'unexpected');
  }
  const sessionToken = typeof body.Token === 'string' && body.Token ? body.Token : undefined;
  return [{ accessKeyId: body.AccessKeyId, secretAccessKey: body.SecretAccessKey, ...(sessionToken ? { sessionToken } : {}) }, body.Expiration];
}
