// The builtin checks of one provider family: Flagger's two queries plus Sluice's request count.
import type { QueryModel } from '../template.js';

export interface BuiltinFamily {
  /** A percentage (0-100) of non-5xx responses. */
  readonly requestSuccessRate: string;
  /** The P99 (or mean, for some ingresses) latency, in `durationUnit`. */
  readonly requestDuration: string;
  /** Sluice: requests in the interval, for a metric's minRequestCount. */
  readonly requestCount: string;
  /** What requestDuration returns: Flagger converts seconds to milliseconds in code for some. */
  readonly durationUnit: 'ms' | 's';
  /** Adjusts the model before rendering (Skipper's route names replace non-word characters). */
  readonly adaptModel?: (model: QueryModel) => QueryModel;
}
