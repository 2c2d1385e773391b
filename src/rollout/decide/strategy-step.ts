// The strategy's next step once the checks pass: more canary weight (mirroring first when asked)
// or the next iteration, and for Blue/Green all traffic to the canary after the last one.
import { routesByWeight } from '../../api/providers.js';
import type { Decision } from '../decision.js';
import { messages } from '../messages.js';
import { nextCanaryWeight } from '../weights.js';
import { gateResult } from './gates.js';
import { routesFor } from './routes.js';
import { ask, info } from './step.js';
import type { Tick } from './tick.js';

/** The strategy's next step, or undefined when it has none left and promotion comes next. */
export function strategyStep(tick: Tick): Decision | undefined {
  return tick.r.strategy.kind === 'canary' ? canaryWeightStep(tick) : iterationStep(tick);
}

function canaryWeightStep(tick: Tick): Decision | undefined {
  const { obs, r, stored, step, targetId } = tick;
  const weight = stored.canaryWeight ?? 0;
  if (weight >= r.maxWeight) return undefined;
  const traffic = gateResult(obs, 'confirm-traffic-increase');
  if (!traffic) return ask(obs, 'confirm-traffic-increase');
  if (!traffic.open) {
    step.events.push(...traffic.events);
    step.stepped();
    return step.done(r.intervalMs);
  }
  const mirrorFirst = r.strategy.mirror && weight === 0 && !stored.mirrored;
  if (mirrorFirst) {
    // Mirroring first: the canary sees a copy of live traffic before it serves any.
    step.status.mirrored = true;
    step.events.push(info(messages.advanceWeight(targetId, 0)));
  } else {
    const next = nextCanaryWeight(r, weight);
    Object.assign(step.status, { canaryWeight: next, mirrored: false });
    step.events.push(info(messages.advanceWeight(targetId, next)));
  }
  return routedStep(tick);
}

function iterationStep(tick: Tick): Decision | undefined {
  const { r, stored, step, targetId } = tick;
  const iterations = stored.iterations ?? 0;
  const total = r.iterations;
  const blueGreen = r.strategy.kind === 'blue-green';
  if (iterations < total) {
    step.status.iterations = iterations + 1;
    if (blueGreen) step.status.mirrored = r.strategy.mirror;
    step.events.push(info(messages.advanceIteration(targetId, iterations + 1, total)));
    return routedStep(tick);
  }
  if (blueGreen && iterations === total && routesByWeight(r.provider)) {
    step.events.push(info(messages.routingAllToCanary()));
    Object.assign(step.status, { iterations: iterations + 1, canaryWeight: 100, mirrored: false });
    return routedStep(tick);
  }
  return undefined;
}

/** Routes traffic as the new status says, and paces the next step. */
function routedStep(tick: Tick): Decision {
  const { r, step } = tick;
  step.route(routesFor(step.status, r.strategy.kind));
  step.stepped();
  return step.done(r.intervalMs);
}
