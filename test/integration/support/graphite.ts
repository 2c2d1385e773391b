// A real Graphite for the tests: Debian's carbon-cache (stores what the test sends over the
// plaintext protocol) and graphite-web (answers /render) on free loopback ports, with their own
// temp storage, settings and one-second retention. graphite-web runs under Django's runserver
// (no Apache); it reads carbon's cache through CARBONLINK, so points are queryable at once.
// Debian's python3 runs both: the PATH's python3 may be another one without Django.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { ensureInstalled } from './install.js';

/** One point of a series; `at` is in seconds since the epoch, now when left out. */
export interface Point {
  path: string;
  value: number;
  at?: number;
}

export interface RunningGraphite {
  /** graphite-web, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  /** Sends "path value timestamp" lines to carbon's line receiver. */
  send(points: readonly Point[]): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startGraphite(): Promise<RunningGraphite> {
  const carbonCache = ensureInstalled('carbon-cache', 'graphite-carbon');
  const manage = ensureInstalled('graphite-manage', 'graphite-web');
  const dir = mkdtempSync(join(tmpdir(), 'sluice-graphite-'));
  const storage = join(dir, 'storage');
  for (const sub of ['whisper', 'log', 'lists']) mkdirSync(join(storage, sub), { recursive: true });
  const [linePort, picklePort, queryPort, webPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  writeSettings(dir, storage, { linePort, picklePort, queryPort });
  const env = { ...process.env, PYTHONPATH: dir, GRAPHITE_SETTINGS_MODULE: 'sluice_graphite_settings' };
  const migrate = spawnSync('/usr/bin/python3', [manage, 'migrate', '--run-syncdb'], { env, encoding: 'utf8', timeout: 120_000 });
  if (migrate.status !== 0) throw new Error(`graphite-manage migrate failed:\n${migrate.stderr}`);

  const children: ChildProcess[] = [];
  let log = '';
  const start = (args: string[]) => {
    const child = spawn('/usr/bin/python3', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    running.add(child);
    children.push(child);
    return child;
  };
  start([carbonCache, `--config=${join(dir, 'carbon.conf')}`, '--nodaemon', 'start']);
  start([manage, 'runserver', `127.0.0.1:${webPort}`, '--noreload']);
  const url = `http://127.0.0.1:${webPort}`;

  const stop = async () => {
    await Promise.all(children.map(stopChild));
    rmSync(dir, { recursive: true, force: true });
  };
  const send = (points: readonly Point[]) => sendPoints(linePort, points);

  try {
    await waitUntil(
      async () => (await fetch(`${url}/render?target=test&format=json`)).ok,
      children,
      () => log,
    );
    await waitUntil(
      () => acceptsConnections(linePort),
      children,
      () => log,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, send, stop };
}

/** SIGTERM, then SIGKILL after 5 s: the child is gone when this resolves. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  running.delete(child);
}

/** Sends "path value timestamp" lines over carbon's plaintext protocol. */
function sendPoints(linePort: number, points: readonly Point[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const now = Math.floor(Date.now() / 1000);
    const socket = connect(linePort, '127.0.0.1', () => {
      socket.end(points.map((p) => `${p.path} ${p.value} ${p.at ?? now}\n`).join(''), () => resolve());
    });
    socket.once('error', reject);
  });
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.end();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** carbon's configuration (its ports, storage under `storage`, one-second retention) and graphite-web's settings module. */
function writeSettings(dir: string, storage: string, ports: { linePort: number; picklePort: number; queryPort: number }): void {
  const { linePort, picklePort, queryPort } = ports;
  writeFileSync(
    join(dir, 'carbon.conf'),
    [
      '[cache]',
      `STORAGE_DIR = ${storage}/`,
      `LOCAL_DATA_DIR = ${storage}/whisper/`,
      `WHITELISTS_DIR = ${storage}/lists/`,
      `CONF_DIR = ${dir}/`,
      `LOG_DIR = ${storage}/log/`,
      `PID_DIR = ${storage}/`,
      'ENABLE_LOGROTATION = False',
      'USER =',
      'MAX_CACHE_SIZE = inf',
      'MAX_UPDATES_PER_SECOND = inf',
      'MAX_CREATES_PER_MINUTE = inf',
      'LINE_RECEIVER_INTERFACE = 127.0.0.1',
      `LINE_RECEIVER_PORT = ${linePort}`,
      'ENABLE_UDP_LISTENER = False',
      'PICKLE_RECEIVER_INTERFACE = 127.0.0.1',
      `PICKLE_RECEIVER_PORT = ${picklePort}`,
      'CACHE_QUERY_INTERFACE = 127.0.0.1',
      `CACHE_QUERY_PORT = ${queryPort}`,
      'LOG_LISTENER_CONNECTIONS = False',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'storage-schemas.conf'), '[all]\npattern = .*\nretentions = 1s:1h\n');
  writeFileSync(
    join(dir, 'sluice_graphite_settings.py'),
    [
      "SECRET_KEY = 'sluice-tests'",
      `STORAGE_DIR = '${storage}'`,
      `WHISPER_DIR = '${storage}/whisper'`,
      `LOG_DIR = '${storage}/log'`,
      `INDEX_FILE = '${storage}/index'`,
      `CARBONLINK_HOSTS = ['127.0.0.1:${queryPort}']`,
      `DATABASES = {'default': {'NAME': '${storage}/graphite.db', 'ENGINE': 'django.db.backends.sqlite3'}}`,
      '',
    ].join('\n'),
  );
}

async function waitUntil(ready: () => Promise<boolean>, children: ChildProcess[], log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const dead = children.find((c) => c.exitCode !== null);
    if (dead) throw new Error(`a graphite process exited with ${dead.exitCode}:\n${log()}`);
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`graphite not ready after 60s:\n${log()}`);
}

/** Polls until the render API returns a non-null point for `target`. */
export async function waitForGraphiteData(url: string, target: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/render?target=${encodeURIComponent(target)}&from=-5min&format=json`);
    const body = (await res.json()) as { datapoints: [number | null, number][] }[];
    if (body.some((s) => s.datapoints.some(([v]) => v !== null))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no data for ${target} at ${url} after ${timeoutMs}ms`);
}
