// What decide() knows of its gates: whether one has anything to run, its result when it has run.
import type { ResolvedCanary } from '../../api/defaults.js';
import type { Gate, GateResult, Observed } from '../decision.js';

/** Whether the Canary has anything to run for a gate; an empty gate is open. */
function gateHasWork(r: ResolvedCanary, gate: Gate): boolean {
  if (gate === 'analysis') return r.metrics.length > 0 || r.webhooks.some((w) => w.type === 'rollout');
  if (gate === 'metric-providers') return !r.skipAnalysis;
  return r.webhooks.some((w) => w.type === gate);
}

/** The gate's result, or undefined when it must be run first (decide then returns `ask`). */
export function gateResult(obs: Observed, gate: Gate): GateResult | undefined {
  if (!gateHasWork(obs.resolved, gate)) return { open: true, events: [] };
  return obs.gates[gate];
}

/** The hook holding a closed gate has `muteAlert: true` (Flagger then records the halt but sends no alert). */
export function muted(r: ResolvedCanary, result: GateResult): boolean {
  return r.webhooks.some((w) => w.name === result.hook && w.muteAlert);
}
