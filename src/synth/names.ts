// The names Flagger gives generated objects, kept exactly so that existing dashboards, PromQL
// queries and load-test URLs (`http://podinfo-canary.test:9898/`) keep working.
import type { ResolvedCanary } from '../api/defaults.js';

export const PRIMARY_SUFFIX = '-primary';
export const CANARY_SUFFIX = '-canary';

export interface ServiceNames {
  /** What clients address: `spec.service.name`, by default the target's name. */
  readonly apex: string;
  /** `<apex>-primary`: the stable pods. */
  readonly primary: string;
  /** `<apex>-canary`: the pods of the target under analysis. */
  readonly canary: string;
}

export function serviceNamesOf(resolved: ResolvedCanary): ServiceNames {
  const apex = resolved.service.name;
  return { apex, primary: primaryName(apex), canary: `${apex}${CANARY_SUFFIX}` };
}

/** `<name>-primary`, the name of every object copied for the primary. */
export function primaryName(name: string): string {
  return `${name}${PRIMARY_SUFFIX}`;
}
