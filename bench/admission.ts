// Admission latency over HTTPS on loopback: p50/p90/p99/max and errors at fixed request rates.
// The webhook server runs in a child process (as it would beside the apiserver, not sharing an
// event loop with the load); the parent sends AdmissionReviews recorded from kube-apiserver 1.36
// at a steady open-loop rate, over keep-alive connections as the apiserver does, and measures
// each answer from the moment it was due, so a slow server cannot hide its queueing.
//   node --import tsx bench/admission.ts [seconds per rate, default 5]
// Goal (issue 6): p99 under 5 ms at 500 req/s with zero errors.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const SECONDS = Number(process.argv.find((a) => /^\d+(\.\d+)?$/.test(a)) ?? 5);
const RATES = [200, 500, 1000];
/** An answer later than the apiserver's timeout for the Deployment webhook counts as an error. */
const TIMEOUT_MS = 2000;
const fixture = (name: string) => readFileSync(new URL(`../test/fixtures/admission/recorded/${name}.json`, import.meta.url), 'utf8');

// ---------------------------------------------------------------- the server (child process)

async function serve(): Promise<void> {
  process.env.SLUICE_LOG_LEVEL ??= 'warn';
  const { startAdmissionServer } = await import('../src/admission/server.js');
  const { canaryLookupFromList } = await import('../src/admission/canary-lookup.js');
  const { templateRevision } = await import('../src/rollout/revision.js');
  const review = JSON.parse(fixture('deployment-image-change'));
  const promoted = templateRevision(review.request.oldObject.spec.template);
  const canaries = canaryLookupFromList([
    {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'podinfo', namespace: review.request.namespace },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' }, service: { port: 9898 } },
      status: { phase: 'Succeeded', lastPromotedSpec: promoted, lastAppliedSpec: promoted },
    },
  ]);
  // The benchmark's reviews come from a plain user: nobody is exempt as the operator.
  const server = await startAdmissionServer({ port: 0, canaries, operatorUsername: undefined });
  process.send?.({ port: server.port, caBundle: server.caBundle });
  // The parent asks for the server's CPU time around each run: cost per review, whatever the load.
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
}

/**
 * The floor of this machine: a bare node:https server with the same kind of certificate that
 * parses each review and answers allowed with an empty patch, nothing else (no express, no
 * handler). What it cannot do under the load generator, Sluice's webhook cannot either.
 */
async function serveBaseline(): Promise<void> {
  const { createServer } = await import('node:https');
  const { createServingCertificate } = await import('../src/admission/certificates.js');
  const made = createServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const server = createServer({ cert: made.cert, key: made.key, minVersion: 'TLSv1.2' }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const body = JSON.stringify({
        apiVersion: review.apiVersion,
        kind: review.kind,
        response: { uid: review.request.uid, allowed: true, patchType: 'JSONPatch', patch: 'W10=' },
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send?.({ port: (server.address() as { port: number }).port, caBundle: made.caCert });
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
  process.on('disconnect', () => {
    server.close();
    process.exit(0);
  });
}

// ---------------------------------------------------------------- the load (parent process)

interface Scenario {
  readonly label: string;
  readonly path: string;
  readonly body: string;
  readonly uid: string;
  /** What a correct answer looks like, beyond the echoed uid. */
  readonly check: (response: { allowed?: boolean; patch?: string }) => boolean;
}

interface RunResult {
  readonly scenario: string;
  readonly rate: number;
  readonly sent: number;
  readonly achieved: number;
  readonly latenciesMs: number[];
  readonly errors: Map<string, number>;
  /** Server CPU (user + system) per request, microseconds. */
  readonly serverCpuUs: number;
  /** This load generator's CPU per request: on a small machine it competes with the server. */
  readonly clientCpuUs: number;
}

function scenarioOf(label: string, path: string, name: string, check: Scenario['check']): Scenario {
  const body = fixture(name);
  return { label, path, body: JSON.stringify(JSON.parse(body)), uid: JSON.parse(body).request.uid, check };
}

function serverCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (m: { cpu?: NodeJS.CpuUsage }) => {
      if (!m.cpu) return;
      child.off('message', onMessage);
      resolve(m.cpu.user + m.cpu.system);
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}

function startServer(mode: '--serve' | '--serve-baseline' = '--serve'): Promise<{ child: ChildProcess; port: number; caBundle: string }> {
  const child = fork(fileURLToPath(import.meta.url), [mode], {
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF_DIR}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number; caBundle: string }) => resolve({ child, ...m }));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

function once(agent: Agent, port: number, ca: string, scenario: Scenario, uid: string): Promise<string | undefined> {
  const body = scenario.body.replace(scenario.uid, uid);
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: scenario.path,
        method: 'POST',
        ca,
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) return resolve(`HTTP ${res.statusCode}`);
          try {
            const response = JSON.parse(Buffer.concat(chunks).toString('utf8')).response;
            if (response?.uid !== uid) return resolve('uid not echoed');
            resolve(scenario.check(response) ? undefined : 'wrong answer');
          } catch {
            resolve('unparsable answer');
          }
        });
        res.on('error', (e) => resolve(e.message));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${TIMEOUT_MS} ms`)));
    req.on('error', (e) => resolve(e.message));
    req.end(body);
  });
}

/** Sends rate x seconds requests, each at its due time; bounded: never more than that. */
async function run(agent: Agent, child: ChildProcess, port: number, ca: string, scenario: Scenario, rate: number, seconds: number): Promise<RunResult> {
  const cpuBefore = await serverCpu(child);
  const clientBefore = process.cpuUsage();
  const total = Math.round(rate * seconds);
  const latenciesMs: number[] = [];
  const errors = new Map<string, number>();
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    for (; sent < due; sent++) {
      const dueAt = start + (sent * 1000) / rate;
      const uid = `bench-${rate}-${sent}`;
      inflight.push(
        once(agent, port, ca, scenario, uid).then((error) => {
          if (error) errors.set(error, (errors.get(error) ?? 0) + 1);
          else latenciesMs.push(performance.now() - dueAt);
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - start) / 1000;
  const client = process.cpuUsage(clientBefore);
  const serverCpuUs = ((await serverCpu(child)) - cpuBefore) / total;
  return {
    scenario: scenario.label,
    rate,
    sent: total,
    achieved: total / elapsed,
    latenciesMs,
    errors,
    serverCpuUs,
    clientCpuUs: (client.user + client.system) / total,
  };
}

/** One request at a time: the latency floor, with no queueing at all. */
async function runSequential(child: ChildProcess, port: number, ca: string, scenario: Scenario, count: number): Promise<RunResult> {
  const cpuBefore = await serverCpu(child);
  const clientBefore = process.cpuUsage();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const latenciesMs: number[] = [];
  const errors = new Map<string, number>();
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const sentAt = performance.now();
    const error = await once(agent, port, ca, scenario, `bench-seq-${i}`);
    if (error) errors.set(error, (errors.get(error) ?? 0) + 1);
    else latenciesMs.push(performance.now() - sentAt);
  }
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  const client = process.cpuUsage(clientBefore);
  const serverCpuUs = ((await serverCpu(child)) - cpuBefore) / count;
  return {
    scenario: `${scenario.label}, one at a time`,
    rate: NaN,
    sent: count,
    achieved: count / elapsed,
    latenciesMs,
    errors,
    serverCpuUs,
    clientCpuUs: (client.user + client.system) / count,
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function table(results: RunResult[]): string {
  const ms = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(2));
  const rows = results.map((r) => {
    const s = [...r.latenciesMs].sort((a, b) => a - b);
    const errorCount = [...r.errors.values()].reduce((a, b) => a + b, 0);
    const why = errorCount ? ` (${[...r.errors].map(([k, v]) => `${v} ${k}`).join(', ')})` : '';
    return [
      r.scenario,
      Number.isNaN(r.rate) ? '-' : String(r.rate),
      r.achieved.toFixed(0),
      String(r.sent),
      ms(percentile(s, 50)),
      ms(percentile(s, 90)),
      ms(percentile(s, 99)),
      ms(s[s.length - 1] ?? NaN),
      r.serverCpuUs.toFixed(0),
      r.clientCpuUs.toFixed(0),
      `${errorCount}${why}`,
    ];
  });
  const head = ['webhook', 'target req/s', 'achieved', 'requests', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'server CPU µs/req', 'client CPU µs/req', 'errors'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const mutate = scenarioOf(
    'mutate (image change, stamped)',
    '/mutate/deployments',
    'deployment-image-change',
    (r) => r.allowed === true && typeof r.patch === 'string',
  );
  const validate = scenarioOf('validate (valid Canary)', '/validate/flagger', 'canary-valid-create', (r) => r.allowed === true);
  const { child, port, caBundle } = await startServer();
  // One pool of keep-alive connections for every run, as the apiserver keeps its connections to a
  // webhook open: a TLS handshake per new connection is a start-up cost, not a per-review one.
  // Each rate gets one unrecorded second first, so the pool has grown to what that rate needs.
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  try {
    await run(agent, child, port, caBundle, mutate, 200, 1); // warm-up: JIT
    const results: RunResult[] = [await runSequential(child, port, caBundle, mutate, 500)];
    for (const rate of RATES) {
      await run(agent, child, port, caBundle, mutate, rate, 1);
      results.push(await run(agent, child, port, caBundle, mutate, rate, SECONDS));
    }
    await run(agent, child, port, caBundle, validate, 500, 1);
    results.push(await run(agent, child, port, caBundle, validate, 500, SECONDS));
    agent.destroy();
    // The same load against the bare server: how much of the latency is this machine's.
    const base = await startServer('--serve-baseline');
    const baseAgent = new Agent({ keepAlive: true, maxSockets: 64 });
    try {
      await run(baseAgent, base.child, base.port, base.caBundle, mutate, 500, 1);
      const r = await run(baseAgent, base.child, base.port, base.caBundle, mutate, 500, SECONDS);
      results.push({ ...r, scenario: 'baseline: bare node:https, parse + allow, no Sluice' });
    } finally {
      baseAgent.destroy();
      base.child.disconnect();
    }
    console.log(
      `admission latency over HTTPS on 127.0.0.1, ${SECONDS} s per row after 1 s unrecorded at the same rate on the same keep-alive connections, latency from each request's due time`,
    );
    console.log(
      `node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
    );
    console.log(table(results));
    const fiveHundred = results.find((r) => r.rate === 500 && r.scenario.startsWith('mutate'))!;
    const p99 = percentile(
      [...fiveHundred.latenciesMs].sort((a, b) => a - b),
      99,
    );
    const errors = [...fiveHundred.errors.values()].reduce((a, b) => a + b, 0);
    console.log(`\ngoal p99 < 5 ms at 500 req/s with 0 errors: ${p99 < 5 && errors === 0 ? 'met' : 'NOT met'} (p99 ${p99.toFixed(2)} ms, ${errors} errors)`);
  } finally {
    child.disconnect();
  }
}

if (process.argv.includes('--serve')) await serve();
else if (process.argv.includes('--serve-baseline')) await serveBaseline();
else await main();
