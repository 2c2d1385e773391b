// `flagger-id`: the primary's pod-template annotation that makes its pods roll at each promotion,
// even when the template itself did not change. A ConfigMap-only change is such a promotion: the
// `-primary` copy is updated, but pods only read it when they restart.
// Flagger stamps a random UUID. Sluice derives it from what the status records about the revision
// being promoted (the template hash and the tracked configs' hashes), so synthesis stays pure and a
// restart that applies the same promotion again yields the same id and does not roll the pods twice.
import { createHash } from 'node:crypto';
import type { CanaryStatus } from '../api/types.js';

export const PROMOTION_ID_ANNOTATION = 'flagger-id';

/**
 * A UUID-shaped id (version 8, "custom", RFC 9562) of the revision in `status`; undefined before the
 * status records one (at initialization the primary is new, so its pods start anyway).
 */
export function promotionIdOf(status: CanaryStatus | undefined): string | undefined {
  if (!status?.lastAppliedSpec) return undefined;
  const configs = Object.entries(status.trackedConfigs ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hex = createHash('sha256')
    .update(JSON.stringify([status.lastAppliedSpec, configs]))
    .digest('hex')
    .slice(0, 32)
    .split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
