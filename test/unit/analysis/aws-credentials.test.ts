// CloudWatch's AWS credential chain against local servers of the documented endpoints: EC2's
// instance metadata service (IMDSv2: a session token from PUT /latest/api/token, then the role
// and its credentials with that token), the container credentials endpoint (ECS task roles and
// EKS Pod Identity, with its Authorization token), and the shared credentials and config files.
// Each server checks the headers Sluice sends; the chain's order, its cache of temporary
// credentials and its errors (naming the link, never a secret) are checked too.
import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsCredentialChain, REFRESH_BEFORE_EXPIRY_MS } from '../../../src/analysis/backends/aws-credentials.js';
import { METRIC_BACKENDS } from '../../../src/analysis/backends/table.js';
import type { BackendSettings } from '../../../src/analysis/backends/backend.js';
import { endpointOf } from '../../../src/analysis/backends/exchange.js';
import { sigV4Problem } from './sigv4-verifier.js';

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  rawPath: string;
}
type Answer = { status?: number; body: string | object };

async function fakeServer(answer: (seen: Seen) => Answer): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const s = { method: req.method ?? '', path: new URL(req.url ?? '/', 'http://x').pathname, headers: req.headers, body, rawPath: req.url ?? '' };
      seen.push(s);
      const a = answer(s);
      res.writeHead(a.status ?? 200, { 'content-type': typeof a.body === 'string' ? 'text/plain' : 'application/json' });
      res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}
const servers: Server[] = [];
after(() => servers.forEach((s) => s.close()));

const NOW = Date.parse('2026-11-28T12:00:00.000Z');
const EXPIRATION = '2026-11-28T18:00:00Z';
const at = endpointOf('CloudWatch', 'https://monitoring.eu-west-1.amazonaws.com');
/** An empty HOME, so that no real ~/.aws file of the machine is read. */
const emptyHome = () => mkdtempSync(join(tmpdir(), 'sluice-aws-home-'));
const settingsOf = (env: Record<string, string>, over: Partial<BackendSettings> = {}): BackendSettings => ({
  intervalMs: 60_000,
  timeoutMs: 2000,
  maxResponseBytes: 1024 * 1024,
  now: () => NOW,
  env: { HOME: emptyHome(), AWS_EC2_METADATA_DISABLED: 'true', ...env },
  ...over,
});
const credentialsFrom = (settings: BackendSettings) => awsCredentialChain(at, 'eu-west-1', settings)();
const errorOf = async (work: Promise<unknown>) =>
  work.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: Error) => err.message,
  );

/** EC2's metadata service as documented: no token, no metadata; a role, its credentials. */
async function imds(opts: { role?: string; secret?: string; credentialStatus?: number } = {}) {
  const role = opts.role ?? 'sluice-node-role';
  let issued = 0;
  const server = await fakeServer((s) => {
    if (s.path === '/latest/api/token') {
      if (s.method !== 'PUT') return { status: 405, body: 'token requests are PUT' };
      if (!s.headers['x-aws-ec2-metadata-token-ttl-seconds']) return { status: 400, body: 'missing ttl' };
      return { body: `imds-session-${++issued}` };
    }
    if (s.headers['x-aws-ec2-metadata-token'] !== `imds-session-${issued}` || issued === 0) return { status: 401, body: '' };
    if (s.path === '/latest/meta-data/iam/security-credentials/') return { body: `${role}\n` };
    if (s.path === `/latest/meta-data/iam/security-credentials/${role}`) {
      if (opts.credentialStatus) return { status: opts.credentialStatus, body: 'internal error' };
      return {
        body: {
          Code: 'Success',
          LastUpdated: '2026-11-28T11:00:00Z',
          Type: 'AWS-HMAC',
          AccessKeyId: 'ASIAIMDSEXAMPLE',
          SecretAccessKey: opts.secret ?? 'imds-secret-key',
          Token: 'imds-session-token',
          Expiration: EXPIRATION,
        },
      };
    }
    return { status: 404, body: 'not found' };
  });
  return { ...server, credentialFetches: () => server.seen.filter((s) => s.path === `/latest/meta-data/iam/security-credentials/${role}`).length };
}

/** The container endpoint (ECS task role / EKS Pod Identity agent): the Authorization token, then JSON credentials. */
async function containerEndpoint(token: string) {
  return fakeServer((s) => {
    if (s.headers.authorization !== token) return { status: 401, body: { code: 'AccessDenied', message: 'bad token' } };
    return { body: { AccessKeyId: 'ASIACONTAINER', SecretAccessKey: 'container-secret', Token: 'container-token', Expiration: EXPIRATION, AccountId: '123' } };
  });
}

describe('CloudWatch credentials: the AWS default chain', () => {
  it('IMDSv2: a PUT for a session token with its TTL header, then the role and its credentials sent with the token', async () => {
    const ec2 = await imds();
    const creds = await credentialsFrom(settingsOf({ AWS_EC2_METADATA_DISABLED: '', AWS_EC2_METADATA_SERVICE_ENDPOINT: ec2.url }));
    expect(creds).to.deep.equal({ accessKeyId: 'ASIAIMDSEXAMPLE', secretAccessKey: 'imds-secret-key', sessionToken: 'imds-session-token' });
    expect(ec2.seen.map((s) => [s.method, s.path])).to.deep.equal([
      ['PUT', '/latest/api/token'],
      ['GET', '/latest/meta-data/iam/security-credentials/'],
      ['GET', '/latest/meta-data/iam/security-credentials/sluice-node-role'],
    ]);
    expect(ec2.seen[0].headers['x-aws-ec2-metadata-token-ttl-seconds']).to.equal('21600');
    expect(ec2.seen[0].headers['content-length']).to.equal('0');
    expect(ec2.seen.slice(1).map((s) => s.headers['x-aws-ec2-metadata-token'])).to.deep.equal(['imds-session-1', 'imds-session-1']);
  });

  it('IMDS credentials sign the CloudWatch request, session token included (checked by an independent SigV4 verifier)', async () => {
    const ec2 = await imds({ secret: 'imds-secret-for-signing' });
    const cloudwatch = await fakeServer((s) => {
      const problem = sigV4Problem(s, 'imds-secret-for-signing', 'eu-west-1', 'monitoring');
      if (problem) return { status: 403, body: { __type: '#SignatureDoesNotMatch', message: problem } };
      if (s.headers['x-amz-security-token'] !== 'imds-session-token') return { status: 403, body: { __type: '#InvalidClientTokenId', message: 'no token' } };
      return { body: { MetricDataResults: [{ Id: 'e1', Values: [0.25] }] } };
    });
    const settings = settingsOf(
      { AWS_EC2_METADATA_DISABLED: 'false', AWS_EC2_METADATA_SERVICE_ENDPOINT: `${ec2.url}/` },
      { address: cloudwatch.url, region: 'eu-west-1' },
    );
    const result = await METRIC_BACKENDS.cloudwatch.connect(settings).query('[{"Id":"e1","Expression":"1"}]');
    expect(result).to.deep.equal({ type: 'vector', samples: [{ labels: { Id: 'e1' }, value: 0.25 }] });
    expect(cloudwatch.seen[0].headers.authorization).to.match(
      /^AWS4-HMAC-SHA256 Credential=ASIAIMDSEXAMPLE\/20261128\/eu-west-1\/monitoring\/aws4_request, SignedHeaders=[^,]*x-amz-security-token/,
    );
  });

  it('temporary credentials are kept until five minutes before their Expiration, then fetched again', async () => {
    const ec2 = await imds();
    let now = NOW;
    const settings = settingsOf({ AWS_EC2_METADATA_DISABLED: '', AWS_EC2_METADATA_SERVICE_ENDPOINT: ec2.url }, { now: () => now });
    const chain = awsCredentialChain(at, 'eu-west-1', settings);
    await chain();
    await chain();
    // Another check of the same tick connects anew: the cache is shared.
    await awsCredentialChain(at, 'eu-west-1', settings)();
    expect(ec2.credentialFetches()).to.equal(1);
    now = Date.parse(EXPIRATION) - REFRESH_BEFORE_EXPIRY_MS - 1000;
    await chain();
    expect(ec2.credentialFetches()).to.equal(1);
    now = Date.parse(EXPIRATION) - REFRESH_BEFORE_EXPIRY_MS + 1000;
    await chain();
    expect(ec2.credentialFetches()).to.equal(2);
  });

  it('container endpoint (EKS Pod Identity): FULL_URI with the token read from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE as Authorization', async () => {
    const endpoint = await containerEndpoint('eks-pod-identity-token');
    const dir = mkdtempSync(join(tmpdir(), 'sluice-eks-'));
    writeFileSync(join(dir, 'token'), 'eks-pod-identity-token\n');
    const creds = await credentialsFrom(
      settingsOf({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint.url}/v1/credentials`, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: join(dir, 'token') }),
    );
    expect(creds).to.deep.equal({ accessKeyId: 'ASIACONTAINER', secretAccessKey: 'container-secret', sessionToken: 'container-token' });
    expect(endpoint.seen[0]).to.include({ method: 'GET', path: '/v1/credentials' });
    expect(endpoint.seen[0].headers.authorization).to.equal('eks-pod-identity-token');
  });

  it('container endpoint: a refused token names the link and the status, never the token', async () => {
    const endpoint = await containerEndpoint('the-right-token');
    const message = await errorOf(
      credentialsFrom(settingsOf({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint.url}/creds`, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'a-wrong-token' })),
    );
    expect(message).to.include('AWS credentials from the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI)').and.include('answered HTTP 401');
    expect(message).to.not.include('a-wrong-token');
  });

  it('container endpoint: plain http only to loopback or the ECS/EKS addresses; RELATIVE_URI goes to 169.254.170.2 and wins over FULL_URI', async () => {
    const refused = await errorOf(credentialsFrom(settingsOf({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://10.1.2.3/creds' })));
    expect(refused).to.include('a plain http endpoint must be loopback, 169.254.170.2, 169.254.170.23 or fd00:ec2::23');
    const endpoint = await containerEndpoint('t');
    const relative = await errorOf(
      credentialsFrom(
        settingsOf({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc', AWS_CONTAINER_CREDENTIALS_FULL_URI: endpoint.url }, { timeoutMs: 200 }),
      ),
    );
    expect(relative).to.include('(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)').and.include('http://169.254.170.2/v2/credentials/abc');
    expect(endpoint.seen).to.have.length(0);
  });

  it('shared files: the profile of AWS_PROFILE from the credentials file, else the config file ([profile x])', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-aws-files-'));
    const credentials = join(dir, 'credentials');
    const config = join(dir, 'config');
    writeFileSync(credentials, ['# keys', '[default]', 'aws_access_key_id = AKIADEFAULT', 'aws_secret_access_key = default-secret', ''].join('\n'));
    writeFileSync(
      config,
      [
        '[default]',
        'region = eu-west-1',
        '[profile metrics]',
        'aws_access_key_id=AKIACONFIG',
        'aws_secret_access_key=config-secret',
        'aws_session_token=config-token',
        '[profile assumed]',
        'role_arn = arn:aws:iam::123:role/x',
        'source_profile = default',
      ].join('\n'),
    );
    const files = { AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: config };
    expect(await credentialsFrom(settingsOf(files))).to.deep.equal({ accessKeyId: 'AKIADEFAULT', secretAccessKey: 'default-secret' });
    expect(await credentialsFrom(settingsOf({ ...files, AWS_PROFILE: 'metrics' }))).to.deep.equal({
      accessKeyId: 'AKIACONFIG',
      secretAccessKey: 'config-secret',
      sessionToken: 'config-token',
    });
    const assumed = await errorOf(credentialsFrom(settingsOf({ ...files, AWS_PROFILE: 'assumed' })));
    expect(assumed).to.include(`the shared file ${config} (profile assumed): it uses role_arn, which Sluice does not read`);
    const missing = await errorOf(credentialsFrom(settingsOf({ ...files, AWS_PROFILE: 'nope' })));
    expect(missing).to.include('AWS_PROFILE names profile nope, which is in neither');
  });

  it('shared files: ~/.aws/credentials under HOME by default', async () => {
    const home = emptyHome();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws', 'credentials'), '[default]\naws_access_key_id = AKIAHOME\naws_secret_access_key = home-secret\n');
    expect(await credentialsFrom(settingsOf({ HOME: home }))).to.deep.include({ accessKeyId: 'AKIAHOME' });
  });

  it("the chain's order: secretRef, environment, web identity, shared files, container endpoint, instance metadata", async () => {
    const ec2 = await imds();
    const container = await containerEndpoint('tok');
    const dir = mkdtempSync(join(tmpdir(), 'sluice-aws-order-'));
    const credentials = join(dir, 'credentials');
    writeFileSync(credentials, '[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = file-secret\n');
    writeFileSync(join(dir, 'web-identity'), 'jwt');
    const imdsEnv = { AWS_EC2_METADATA_DISABLED: '', AWS_EC2_METADATA_SERVICE_ENDPOINT: ec2.url };
    const containerEnv = { AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'tok' };
    const filesEnv = { AWS_SHARED_CREDENTIALS_FILE: credentials };
    const webIdentityEnv = {
      AWS_ROLE_ARN: 'arn:aws:iam::1:role/r',
      AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, 'web-identity'),
      AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:1',
    };
    const envKeys = { AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'env-secret' };
    const keyOf = async (env: Record<string, string>, secret?: Record<string, string>) =>
      (await credentialsFrom(settingsOf(env, secret ? { secret } : {}))).accessKeyId;

    const all = { ...imdsEnv, ...containerEnv, ...filesEnv, ...webIdentityEnv, ...envKeys };
    expect(await keyOf(all, { aws_access_key_id: 'AKIASECRET', aws_secret_access_key: 's' })).to.equal('AKIASECRET');
    expect(await keyOf(all)).to.equal('AKIAENV');
    // Web identity is next: its STS (unreachable here) is the error, the files are not read.
    const sts = await errorOf(credentialsFrom(settingsOf({ ...imdsEnv, ...containerEnv, ...filesEnv, ...webIdentityEnv })));
    expect(sts).to.include('AWS credentials from web identity (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE): AWS STS at http://127.0.0.1:1 is unreachable');
    expect(await keyOf({ ...imdsEnv, ...containerEnv, ...filesEnv })).to.equal('AKIAFILE');
    expect(await keyOf({ ...imdsEnv, ...containerEnv })).to.equal('ASIACONTAINER');
    expect(ec2.seen).to.have.length(0);
    expect(await keyOf(imdsEnv)).to.equal('ASIAIMDSEXAMPLE');
  });

  it('the last link: IMDS unreachable or off; errors name the link and never a secret', async () => {
    const down = await errorOf(credentialsFrom(settingsOf({ AWS_EC2_METADATA_DISABLED: '', AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:1' })));
    expect(down).to.match(
      /^CloudWatch at https:\/\/monitoring\.eu-west-1\.amazonaws\.com: AWS credentials from the EC2 instance metadata service \(IMDSv2 at http:\/\/127\.0\.0\.1:1; no other credentials were found\): the instance metadata service at http:\/\/127\.0\.0\.1:1 is unreachable/,
    );
    const off = await errorOf(credentialsFrom(settingsOf({ AWS_EC2_METADATA_DISABLED: 'true' })));
    expect(off).to.include('no AWS credentials').and.include('AWS_EC2_METADATA_DISABLED');
    const failing = await imds({ credentialStatus: 500, secret: 'never-shown' });
    const message = await errorOf(credentialsFrom(settingsOf({ AWS_EC2_METADATA_DISABLED: '', AWS_EC2_METADATA_SERVICE_ENDPOINT: failing.url })));
    expect(message).to.include('(IMDSv2 at').and.include('answered HTTP 500');
    expect(message).to.not.include('imds-session').and.not.include('never-shown');
  });
});
