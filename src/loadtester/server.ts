// The load tester's HTTP API, compatible with Flagger's (pkg/loadtester/server.go): rollout
// webhooks POST Flagger's payload {name, namespace, phase, checksum, metadata} to `/` to run a
// task, or to the gate endpoints to ask for, give or take an approval.
import express, { type Request, type Response } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { logger, type Logger } from '../log.js';
import { GateStore, type GateKind } from './gates.js';
import { LoadTesterMetrics } from './metrics.js';
import { DEFAULT_MAX_TASKS, TaskRunner } from './task-runner.js';
import { planTask, type TaskPlan, type TaskPolicy } from './task-plan.js';
import { runLoad, summarize } from './load-generator.js';
import { runShell } from './shell.js';

/** What a busy tester's 503 asks the caller to wait. */
export const BUSY_RETRY_AFTER_SECONDS = 10;

export interface LoadTesterOptions {
  /** Default 9090, Flagger's. */
  readonly port?: number;
  /** Default 0.0.0.0. */
  readonly host?: string;
  readonly allowShell?: boolean;
  /** Only webhooks of namespaces matching it are served (403 otherwise); unanchored, like Go's MatchString. */
  readonly namespaceRegexp?: string;
  /** Longest a task may run; default one hour. */
  readonly timeoutMs?: number;
  /** Tasks running at once, background and synchronous; past it a webhook gets 503. Default 32. */
  readonly maxTasks?: number;
  readonly log?: Logger;
  /** Register process metrics on /metrics; default true. */
  readonly processMetrics?: boolean;
}

interface Payload {
  name: string;
  namespace: string;
  metadata?: Record<string, unknown>;
}

export interface LoadTester {
  readonly app: express.Express;
  readonly gates: GateStore;
  readonly runner: TaskRunner;
  readonly metrics: LoadTesterMetrics;
}

/** What every route of one tester shares. */
interface Tester {
  readonly log: Logger;
  readonly policy: TaskPolicy;
  /** Longest a shell task may run. */
  readonly timeoutMs: number;
  /** The namespaces served; undefined serves all. */
  readonly allowed?: RegExp;
  readonly gates: GateStore;
  readonly runner: TaskRunner;
  readonly metrics: LoadTesterMetrics;
}

/** A planned task that runs (one the policy did not refuse). */
type RunnablePlan = Exclude<TaskPlan, { kind: 'refused' }>;

/** A task's webhook call: the tester, the plan, its log and the response still to send. */
interface TaskCall {
  readonly tester: Tester;
  readonly plan: RunnablePlan;
  readonly canary: string;
  readonly type: string;
  readonly tlog: Logger;
  readonly res: Response;
}

export function createLoadTester(options: LoadTesterOptions = {}): LoadTester {
  const timeoutMs = options.timeoutMs ?? 3_600_000;
  const tester: Tester = {
    log: options.log ?? logger('loadtester'),
    policy: { allowShell: options.allowShell === true },
    timeoutMs,
    ...(options.namespaceRegexp ? { allowed: new RegExp(options.namespaceRegexp) } : {}),
    gates: new GateStore(),
    runner: new TaskRunner(timeoutMs, options.maxTasks ?? DEFAULT_MAX_TASKS),
    metrics: new LoadTesterMetrics(options.processMetrics !== false),
  };

  const app = express();
  app.disable('x-powered-by');
  // Flagger's webhook client sends JSON, but not every caller sets the content type: read any body as text.
  app.use(express.text({ type: () => true, limit: '1mb' }));
  addFixedRoutes(app, tester.metrics);
  for (const kind of ['gate', 'rollback'] as GateKind[]) addGateRoutes(app, tester, kind);
  app.post('/', (req, res) => answerTask(tester, req, res));
  return { app, gates: tester.gates, runner: tester.runner, metrics: tester.metrics };
}

/** The payload of a webhook call, or undefined after answering 400/403. */
function payloadOf(tester: Tester, req: Request, res: Response): Payload | undefined {
  let body: unknown;
  try {
    body = typeof req.body === 'string' && req.body ? JSON.parse(req.body) : undefined;
  } catch {
    res.status(400).type('text').send('decoding the request body failed');
    return undefined;
  }
  if (!body || typeof body !== 'object' || typeof (body as Payload).name !== 'string' || typeof (body as Payload).namespace !== 'string') {
    res.status(400).type('text').send('the request body must be a webhook payload with name and namespace');
    return undefined;
  }
  const payload = body as Payload;
  if (tester.allowed && !tester.allowed.test(payload.namespace)) {
    tester.log.warn({ namespace: payload.namespace }, `refused a webhook from namespace ${payload.namespace}`);
    res.status(403).type('text').send(`namespace ${payload.namespace} is not allowed by this load tester`);
    return undefined;
  }
  return payload;
}

/** The routes whose answer never changes: health, metrics, and the gates that always approve or halt. */
function addFixedRoutes(app: express.Express, metrics: LoadTesterMetrics): void {
  app.get('/healthz', (_req, res) => {
    res.type('text').send('OK');
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.all('/gate/approve', (_req, res) => {
    res.type('text').send('Approved');
  });
  app.all('/gate/halt', (_req, res) => {
    res.status(403).type('text').send('Forbidden');
  });
}

/** /<kind>/check asks whether a Canary's gate of this kind is open; /<kind>/open and /<kind>/close set it. */
function addGateRoutes(app: express.Express, tester: Tester, kind: GateKind): void {
  const { gates, metrics, log } = tester;
  app.post(`/${kind}/check`, (req, res) => {
    const p = payloadOf(tester, req, res);
    if (!p) return;
    const key = GateStore.key(kind, p.name, p.namespace);
    const approved = gates.isOpen(key);
    metrics.gates.inc({ gate: kind, approved: String(approved) });
    log.info({ gate: key, approved }, `${key} ${kind} check: approved ${approved}`);
    res
      .status(approved ? 200 : 403)
      .type('text')
      .send(approved ? 'Approved' : 'Forbidden');
  });
  for (const action of ['open', 'close'] as const) {
    app.post(`/${kind}/${action}`, (req, res) => {
      const p = payloadOf(tester, req, res);
      if (!p) return;
      const key = GateStore.key(kind, p.name, p.namespace);
      gates.setOpen(key, action === 'open');
      log.info({ gate: key }, `${key} ${kind} ${action === 'open' ? 'opened' : 'closed'}`);
      res
        .status(202)
        .type('text')
        .send(action === 'open' ? 'Opened' : 'Closed');
    });
  }
}

/** POST /: plans the task the payload's metadata asks for, then runs it in the background or while the caller waits. */
async function answerTask(tester: Tester, req: Request, res: Response): Promise<void> {
  const p = payloadOf(tester, req, res);
  if (!p) return;
  const metadata = p.metadata && typeof p.metadata === 'object' ? p.metadata : {};
  if (Object.keys(metadata).length === 0) {
    res.status(400).type('text').send('metadata not found in payload');
    return;
  }
  const canary = `${p.name}.${p.namespace}`;
  const type = typeof metadata.type === 'string' && metadata.type ? metadata.type : 'cmd';
  const plan = planTask(metadata, tester.policy);
  const tlog = tester.log.child({ canary, type });
  if (plan.kind === 'refused') {
    tester.metrics.tasks.inc({ type, outcome: 'refused' });
    tlog.warn({ cmd: metadata.cmd }, plan.message);
    res.status(plan.status).type('text').send(plan.message);
    return;
  }
  const call: TaskCall = { tester, plan, canary, type, tlog, res };
  if (!plan.synchronous) startInBackground(call);
  else await runWhileWaiting(call, metadata.returnCmdOutput === true || metadata.returnCmdOutput === 'true');
}

/** 503 with Retry-After: the webhook fails this tick and Flagger's next one asks again. */
function answerBusy({ tester, plan, type, tlog, res }: TaskCall): void {
  const { runner } = tester;
  const message = `load tester busy: ${runner.size} tasks running, the most it runs at once (${runner.maxTasks}); retry later`;
  tester.metrics.tasks.inc({ type, outcome: 'busy' });
  tlog.warn({ cmd: plan.command, running: runner.size }, message);
  res.status(503).set('retry-after', String(BUSY_RETRY_AFTER_SECONDS)).type('text').send(message);
}

/** Starts the task unless the same one already runs for this Canary, and answers 202 at once. */
function startInBackground(call: TaskCall): void {
  const { tester, plan, canary, type, tlog, res } = call;
  const outcome = tester.runner.start(TaskRunner.key(canary, plan.command), async (signal) => {
    await runTask(tester, plan, signal, tlog);
  });
  if (outcome === 'busy') {
    answerBusy(call);
    return;
  }
  tester.metrics.tasks.inc({ type, outcome: outcome === 'started' ? 'accepted' : 'duplicate' });
  if (outcome === 'duplicate') tlog.debug({ cmd: plan.command }, `already running for ${canary}: ${plan.command}`);
  res
    .status(202)
    .type('text')
    .send(outcome === 'started' ? 'Accepted' : 'Already running');
}

/** Runs the task while the caller waits and answers with how it ended (its output when `echo`). */
async function runWhileWaiting(call: TaskCall, echo: boolean): Promise<void> {
  const { tester, plan, tlog, res } = call;
  // The caller hanging up aborts its task.
  const hungUp = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) hungUp.abort(new Error('the caller hung up'));
  });
  const running = tester.runner.run((signal) => runTask(tester, plan, signal, tlog), hungUp.signal);
  if (running === 'busy') {
    answerBusy(call);
    return;
  }
  const result = await running;
  if (result.ok)
    res
      .status(200)
      .type('text')
      .send(echo ? result.output : 'OK');
  else res.status(500).type('text').send(`command ${plan.command} failed: ${result.output}`);
}

/** Runs one planned task to its end, logging and counting it; never throws. */
async function runTask(tester: Tester, plan: RunnablePlan, signal: AbortSignal, tlog: Logger): Promise<{ ok: boolean; output: string }> {
  const { metrics } = tester;
  metrics.running.inc();
  const type = plan.kind === 'load' ? 'hey' : plan.shell;
  tlog.info({ cmd: plan.command }, `running ${plan.command}`);
  try {
    if (plan.kind === 'load') {
      const result = await runLoad(plan.options, {
        signal,
        onResult: (code) => metrics.requests.inc({ code: code ? String(code) : 'error' }),
      });
      const output = summarize(result);
      const answered = result.latency.count;
      // hey itself exits 0 whatever the answers; a run where nothing answered is still a failure worth a 500.
      const ok = answered > 0 || Object.keys(result.errors).length === 0;
      tlog.info({ cmd: plan.command, answered, errors: result.errors }, `${plan.command} finished\n${output}`);
      metrics.tasks.inc({ type, outcome: ok ? 'succeeded' : 'failed' });
      return { ok, output };
    }
    const result = await runShell(plan.shell, plan.command, { timeoutMs: tester.timeoutMs, signal });
    const note = result.timedOut ? ' (timed out)' : '';
    if (result.ok) tlog.info({ cmd: plan.command, output: result.output }, `${plan.command} succeeded`);
    else tlog.warn({ cmd: plan.command, exitCode: result.exitCode, output: result.output }, `${plan.command} failed${note}`);
    metrics.tasks.inc({ type, outcome: result.ok ? 'succeeded' : 'failed' });
    return { ok: result.ok, output: `${result.output}${note}` };
  } catch (err) {
    metrics.tasks.inc({ type, outcome: 'failed' });
    tlog.error({ cmd: plan.command, err: String(err) }, `${plan.command} failed: ${String(err)}`);
    return { ok: false, output: String(err) };
  } finally {
    metrics.running.dec();
  }
}

export interface RunningLoadTester extends LoadTester {
  readonly port: number;
  readonly url: string;
  /** Stops accepting, aborts background tasks, closes the server. */
  close(): Promise<void>;
}

export async function startLoadTester(options: LoadTesterOptions = {}): Promise<RunningLoadTester> {
  const tester = createLoadTester(options);
  const host = options.host ?? '0.0.0.0';
  const server: Server = await new Promise((resolve, reject) => {
    const s = tester.app.listen(options.port ?? 9090, host, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    ...tester,
    port,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      await tester.runner.stop();
      server.closeAllConnections();
      await closed;
    },
  };
}
