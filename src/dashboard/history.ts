// What the dashboard remembers of each Canary's status while it runs: every weight it saw and every
// metric check (by its checkedAt), bounded per Canary. The status keeps only the last verdict of
// each metric, so the values of earlier checks exist nowhere else once the page is served; the
// weights before the dashboard started come from the Canary's Events instead (view-model.ts).
import type { Canary, JudgeStatus, MetricCheckStatus } from '../api/types.js';

export interface WeightSample {
  readonly at: number;
  readonly weight: number;
}

export interface MetricSample {
  readonly name: string;
  readonly at: number;
  readonly result: MetricCheckStatus['result'];
  readonly value?: number;
  readonly min?: number;
  readonly max?: number;
  readonly message?: string;
  /** The statistical judge's comparison with the primary, for a metric with sluiceJudge. */
  readonly judge?: JudgeStatus;
}

/** Per Canary at most this many samples of each kind: hours of a 1-minute analysis interval. */
export const HISTORY_LIMIT = 2000;

interface Track {
  weights: WeightSample[];
  metrics: MetricSample[];
  seenChecks: Set<string>;
}

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;

export class StatusHistory {
  private readonly tracks = new Map<string, Track>();

  constructor(private readonly limit = HISTORY_LIMIT) {}

  /** Records what `canary`'s status says at `now`: a weight when it changed, each check not seen before. */
  record(canary: Canary, now: number): void {
    const key = keyOf(canary.metadata.namespace ?? '', canary.metadata.name ?? '');
    let track = this.tracks.get(key);
    if (!track) this.tracks.set(key, (track = { weights: [], metrics: [], seenChecks: new Set() }));
    const weight = canary.status?.canaryWeight;
    if (weight !== undefined && track.weights[track.weights.length - 1]?.weight !== weight) {
      track.weights.push({ at: now, weight });
      if (track.weights.length > this.limit) track.weights.shift();
    }
    for (const m of canary.status?.metrics ?? []) {
      const at = Date.parse(m.checkedAt);
      const check = `${m.name}@${at}`;
      if (!Number.isFinite(at) || track.seenChecks.has(check)) continue;
      track.seenChecks.add(check);
      track.metrics.push({
        name: m.name,
        at,
        result: m.result,
        ...(m.value !== undefined ? { value: m.value } : {}),
        ...(m.min !== undefined ? { min: m.min } : {}),
        ...(m.max !== undefined ? { max: m.max } : {}),
        ...(m.message ? { message: m.message } : {}),
        ...(m.judge ? { judge: m.judge } : {}),
      });
      if (track.metrics.length > this.limit) {
        const dropped = track.metrics.shift()!;
        track.seenChecks.delete(`${dropped.name}@${dropped.at}`);
      }
    }
  }

  of(namespace: string, name: string): { weights: readonly WeightSample[]; metrics: readonly MetricSample[] } {
    const track = this.tracks.get(keyOf(namespace, name));
    return { weights: track?.weights ?? [], metrics: track?.metrics ?? [] };
  }

  forget(namespace: string, name: string): void {
    this.tracks.delete(keyOf(namespace, name));
  }
}
