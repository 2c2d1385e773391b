// The statistical judge's error rates on synthetic traffic with a seeded random generator
// (no cluster): how often it fails a canary that behaves exactly like the primary (false
// positives, A/A) and how often it catches a regression that every threshold passes (detection,
// A/B), against thresholds alone on the same runs.
//
// One judgement is one analysis interval of INTERVAL_S seconds cut into samples of STEP_S
// seconds, as the range queries cut it. Each request's latency is log-normal (median MEDIAN_MS,
// sigma SIGMA: p99 about 180 ms) and it fails with probability ERROR_RATE; the canary gets
// WEIGHT % of RPS requests per second. A sample is the window's p99 (nearest rank over the
// requests, as an exact histogram would give it) and its success rate, as the builtin
// request-duration and request-success-rate queries give them. The A/B canary is slower by
// +40 % on every request (p99 about 250 ms, under the 500 ms threshold) and fails 0.8 % of
// requests against 0.1 % (99.2 %, over the 99 % threshold).
//   BENCH_N judgements per case (default 200), BENCH_SEED (default 19).
import { judgeSamples, type JudgeSettings } from '../src/analysis/judge/classify.js';
import { row, say, goal } from './support/stats.js';

const N = Number(process.env.BENCH_N ?? 200);
const SEED = Number(process.env.BENCH_SEED ?? 19);
const INTERVAL_S = 120;
const STEP_S = 10;
const RPS = 50;
const MEDIAN_MS = 80;
const SIGMA = 0.35;
const ERROR_RATE = 0.001;
const THRESHOLD_P99_MS = 500;
const THRESHOLD_SUCCESS = 99;
const CONFIDENCE = 98;

interface Behaviour {
  readonly slowdown: number;
  readonly errorRate: number;
}
const PRIMARY: Behaviour = { slowdown: 1, errorRate: ERROR_RATE };
const REGRESSION: Behaviour = { slowdown: 1.4, errorRate: 0.008 };

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

interface Window {
  readonly latencies: number[];
  readonly errors: number;
}

function window(random: () => number, requests: number, b: Behaviour): Window {
  const latencies: number[] = [];
  let errors = 0;
  for (let i = 0; i < requests; i++) {
    latencies.push(MEDIAN_MS * b.slowdown * Math.exp(SIGMA * gaussian(random)));
    if (random() < b.errorRate) errors++;
  }
  return { latencies, errors };
}

function p99(latencies: readonly number[]): number {
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)];
}

const successRate = (w: Window) => (100 * (w.latencies.length - w.errors)) / w.latencies.length;

interface Outcome {
  readonly judge: boolean;
  readonly thresholds: boolean;
  readonly byMetric: { duration: boolean; success: boolean };
}

/** One interval: does the judge fail the canary, do the thresholds? */
function interval(random: () => number, canary: Behaviour, weight: number): Outcome {
  const canaryRequests = Math.round((RPS * STEP_S * weight) / 100);
  const primaryRequests = Math.round(RPS * STEP_S) - canaryRequests;
  const c: Window[] = [];
  const p: Window[] = [];
  for (let s = 0; s < INTERVAL_S / STEP_S; s++) {
    c.push(window(random, canaryRequests, canary));
    p.push(window(random, primaryRequests, PRIMARY));
  }
  const base = { confidence: CONFIDENCE, tolerance: { absolute: 0 }, minSamples: 10 } as const;
  const latency: JudgeSettings = { ...base, direction: 'increase' };
  const success: JudgeSettings = { ...base, direction: 'decrease' };
  const duration =
    judgeSamples(
      c.map((w) => p99(w.latencies)),
      p.map((w) => p99(w.latencies)),
      latency,
    ).classification === 'high';
  const rate = judgeSamples(c.map(successRate), p.map(successRate), success).classification === 'low';
  // Thresholds see the whole interval at once, as the instant queries over [interval] do.
  const all: Window = { latencies: c.flatMap((w) => w.latencies), errors: c.reduce((n, w) => n + w.errors, 0) };
  const thresholds = p99(all.latencies) > THRESHOLD_P99_MS || successRate(all) < THRESHOLD_SUCCESS;
  return { judge: duration || rate, thresholds, byMetric: { duration, success: rate } };
}

const percent = (k: number, n: number) => `${((100 * k) / n).toFixed(1)}%`;

for (const weight of [50, 20]) {
  const random = seeded(SEED + weight);
  const aa = Array.from({ length: N }, () => interval(random, PRIMARY, weight));
  const ab = Array.from({ length: N }, () => interval(random, REGRESSION, weight));
  const fp = aa.filter((o) => o.judge).length;
  const detected = ab.filter((o) => o.judge).length;
  const byThresholds = ab.filter((o) => o.thresholds).length;
  const fpThresholds = aa.filter((o) => o.thresholds).length;
  const canaryPerSample = Math.round((RPS * STEP_S * weight) / 100);
  const setting = `weight ${weight}%, ${INTERVAL_S / STEP_S} samples of ${STEP_S}s a side, ${canaryPerSample} canary requests a sample, ${CONFIDENCE}% confidence`;
  say(`false positive rate: ${percent(fp, N)} (n=${N}); detection rate: ${percent(detected, N)} (n=${N}) at ${setting}`);
  console.error(`false positive rate: ${percent(fp, N)} (n=${N})`);
  console.error(`detection rate: ${percent(detected, N)} (n=${N})`);
  row(
    `judge A/A false positive rate, weight ${weight}%`,
    percent(fp, N),
    `${goal(fp / N <= 0.05)} (<= 5%); thresholds alone: ${percent(fpThresholds, N)}; ${setting}`,
    N,
  );
  row(
    `judge A/B detection rate, weight ${weight}%`,
    percent(detected, N),
    `${goal(detected / N >= 0.9)} (>= 90%); p99 +40%: ${percent(ab.filter((o) => o.byMetric.duration).length, N)}, ` +
      `errors 0.1%->0.8%: ${percent(ab.filter((o) => o.byMetric.success).length, N)}`,
    N,
  );
  row(`thresholds-only A/B detection rate, weight ${weight}%`, percent(byThresholds, N), `p99 <= ${THRESHOLD_P99_MS}ms, success >= ${THRESHOLD_SUCCESS}%`, N);
}
