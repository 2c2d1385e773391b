// Observing a Canary closely enough to act at a phase boundary, and its Events with their counts.
import { spawn, type ChildProcess } from 'node:child_process';
import { clusterEnv, kubectlJson, waitFor } from '../../support/cluster.js';
import { spawnOperator, type OperatorProcess } from '../../e2e/support/rollout.js';

export interface StatusLine {
  /** ms since the watch started */
  at: number;
  /** Date.now() when it arrived */
  wall: number;
  resourceVersion: string;
  phase: string;
  weight: number;
  failedChecks: number;
  lastAnalysisTime: string;
}

/**
 * A raw watch through `kubectl get --raw`: every version of the Canary's status as the apiserver
 * stores it, a few milliseconds after the write (no polling gap in which a short phase could be
 * missed). It can start before the Canary (or its namespace) exists, so the first status is not
 * missed. When the watch ends (e.g. while the apiserver restarts) kubectl is started again and
 * resumes from the last resourceVersion seen, so statuses written meanwhile are replayed, not lost.
 */
interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: {
    code?: number;
    metadata?: { name?: string; resourceVersion?: string };
    status?: { phase?: string; canaryWeight?: number; failedChecks?: number; lastAnalysisTime?: string };
  };
}

export class CanaryWatch {
  readonly lines: StatusLine[] = [];
  private child?: ChildProcess;
  private closed = false;
  /** The last resourceVersion of the namespace's Canaries seen: where a new watch resumes. */
  private resumeFrom?: string;
  private readonly t0 = Date.now();
  private waiters: { pred: (s: StatusLine) => boolean; resolve: (s: StatusLine) => void }[] = [];

  constructor(
    readonly namespace: string,
    readonly name = 'podinfo',
  ) {
    this.start();
  }

  private start(): void {
    const env = clusterEnv()!;
    const query = `watch=true${this.resumeFrom ? `&resourceVersion=${this.resumeFrom}` : ''}`;
    const child = spawn(env.SLUICE_KUBECTL || 'kubectl', ['get', '--raw', `/apis/flagger.app/v1beta1/namespaces/${this.namespace}/canaries?${query}`], {
      env: { ...process.env, KUBECONFIG: env.KUBECONFIG },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    this.child = child;
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line) this.onEvent(JSON.parse(line) as WatchEvent);
      }
    });
    child.on('exit', () => {
      if (!this.closed)
        setTimeout(() => {
          if (!this.closed) this.start();
        }, 500);
    });
  }

  private onEvent(event: WatchEvent): void {
    const o = event.object;
    if (event.type === 'ERROR') {
      // 410 Gone: the version to resume from was compacted away; watch afresh from now.
      if (o.code === 410) this.resumeFrom = undefined;
      return;
    }
    const resourceVersion = o.metadata?.resourceVersion;
    if (!resourceVersion) return;
    this.resumeFrom = resourceVersion;
    if (event.type === 'DELETED' || o.metadata?.name !== this.name) return;
    const prev = this.lines[this.lines.length - 1];
    if (prev?.resourceVersion === resourceVersion) return; // the current object again after a fresh watch
    const st = o.status ?? {};
    this.push({
      at: Date.now() - this.t0,
      wall: Date.now(),
      resourceVersion,
      phase: st.phase ?? '',
      weight: Number(st.canaryWeight ?? 0),
      failedChecks: Number(st.failedChecks ?? 0),
      lastAnalysisTime: st.lastAnalysisTime ?? '',
    });
  }

  private push(s: StatusLine): void {
    this.lines.push(s);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(s)) return true;
      w.resolve(s);
      return false;
    });
  }

  latest(): StatusLine | undefined {
    return this.lines[this.lines.length - 1];
  }

  /** Resolves with the first status (already seen or to come) that matches. */
  until(pred: (s: StatusLine) => boolean, timeoutMs: number, what: string): Promise<StatusLine> {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; statuses seen: ${this.describe()}`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (s) => {
          clearTimeout(timer);
          resolve(s);
        },
      });
    });
  }

  /** Like until(), but only statuses that arrive after this call. */
  next(pred: (s: StatusLine) => boolean, timeoutMs: number, what: string): Promise<StatusLine> {
    const from = this.lines.length;
    return this.until((s) => this.lines.indexOf(s) >= from && pred(s), timeoutMs, what);
  }

  /** "phase/weight/failedChecks" of each distinct status, for messages. */
  describe(): string {
    return this.lines.map((s) => `${s.phase || '-'}/${s.weight}/${s.failedChecks}@${(s.at / 1000).toFixed(1)}s`).join(' ');
  }

  close(): void {
    this.closed = true;
    this.child?.kill('SIGTERM');
  }
}

export interface EventRecord {
  message: string;
  type: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  name: string;
}

/**
 * The Canary's Events with their counts, oldest first. Sluice names an Event after its
 * (object, type, reason, message), so the same sentence said twice is one Event with count 2:
 * "exactly once" means one Event with count 1.
 */
export async function eventRecords(ns: string, name = 'podinfo'): Promise<EventRecord[]> {
  const list = await kubectlJson<{ items: any[] }>(['-n', ns, 'get', 'events', '--field-selector', `involvedObject.kind=Canary,involvedObject.name=${name}`]);
  const rv = (e: any) => Number(e.metadata.resourceVersion ?? 0);
  return list.items
    .sort((a, b) => (a.firstTimestamp ?? '').localeCompare(b.firstTimestamp ?? '') || rv(a) - rv(b))
    .map((e) => ({
      message: e.message,
      type: e.type,
      count: e.count ?? 1,
      firstTimestamp: e.firstTimestamp,
      lastTimestamp: e.lastTimestamp,
      name: e.metadata.name,
    }));
}

/** How many times a sentence was recorded (summed over Events with that message). */
export function timesSaid(events: EventRecord[], message: string): number {
  return events.filter((e) => e.message === message).reduce((n, e) => n + e.count, 0);
}

/** Events that are steps of the rollout (readiness waits, which depend on timing, left out). */
export function stepEvents(events: EventRecord[]): EventRecord[] {
  return events.filter((e) => !/ not ready: /.test(e.message));
}

/**
 * The sentences of one successful canary rollout of podinfo that must each be said exactly once
 * (weights of the steps as given); returns those that were not, with how often they were.
 */
export function notSaidOnce(events: EventRecord[], ns: string, weights = [10, 20, 30]): string[] {
  const t = `podinfo.${ns}`;
  const once = [
    `Initialization done! ${t}`,
    `New revision detected! Scaling up ${t}`,
    `Starting canary analysis for ${t}`,
    ...weights.map((w) => `Advance ${t} canary weight ${w}`),
    `Copying ${t} template spec to podinfo-primary.${ns}`,
    'Routing all traffic to primary',
    `Promotion completed! Scaling down ${t}`,
  ];
  return once.filter((m) => timesSaid(events, m) !== 1).map((m) => `"${m}" said ${timesSaid(events, m)} times`);
}

export const showEvents = (events: EventRecord[]) => events.map((e) => `${e.message}${e.count > 1 ? ` (x${e.count})` : ''}`).join(' | ');

export const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** For afterEach: the test's wall time and outcome, passed or not (mocha shows it for slow passes only). */
export function sayDuration(test: Mocha.Test | undefined): void {
  if (test) say(`[${test.state ?? 'unknown'} after ${secs(test.duration ?? 0)}]`);
}

/** Prints an indented line under the running test (mocha's own output stays readable). */
export function say(line: string): void {
  console.log(`      ${line}`);
}

/**
 * The operator with leader election: unlike startOperator() (which waits for "controller
 * started", something a standby never logs) it returns once the process serves health, i.e.
 * once it takes part in the election.
 */
export async function startReplica(extraEnv: Record<string, string>): Promise<OperatorProcess> {
  const op = spawnOperator({ SLUICE_LEADER_ELECT: 'true', ...extraEnv }, 'chaos-replica');
  const logs = op.logs;
  await waitFor(
    () => logs().includes('metrics and health on') && (extraEnv.SLUICE_WEBHOOKS === 'false' || logs().includes('admission webhooks registered')),
    60_000,
    { what: `operator replica start (log ${op.logFile})` },
  );
  return op;
}
