// From a query's answer to the one number a check judges, or the reason there is none.
// Flagger silently takes the last of several series; Sluice refuses to guess.
import type { QueryResult } from './prometheus.js';

export type Reading =
  | { readonly kind: 'value'; readonly value: number }
  /** Empty result or NaN: Flagger's "no values found". */
  | { readonly kind: 'no-values' }
  /** Sluice: fewer requests than the metric's minRequestCount. */
  | { readonly kind: 'too-few-requests'; readonly requests: number; readonly minimum: number; readonly interval: string }
  /** The answer has a shape a threshold cannot judge (several series, a range vector, a string). */
  | { readonly kind: 'ambiguous'; readonly detail: string }
  /** The query could not run, or its template could not be prepared. */
  | { readonly kind: 'error'; readonly stage: 'query' | 'template'; readonly message: string };

export function readingOf(result: QueryResult): Reading {
  switch (result.type) {
    case 'vector':
      if (result.samples.length === 0) return { kind: 'no-values' };
      if (result.samples.length > 1) {
        return {
          kind: 'ambiguous',
          detail: `the query returned ${result.samples.length} series (${seriesNames(result.samples)}), expected one: aggregate it, e.g. with sum()`,
        };
      }
      return valueOrNoValues(result.samples[0].value);
    case 'scalar':
      return valueOrNoValues(result.value);
    case 'matrix':
      return { kind: 'ambiguous', detail: `the query returned a range vector (${result.seriesCount} series), expected one instant value` };
    case 'string':
      return { kind: 'ambiguous', detail: `the query returned a string (${JSON.stringify(result.value)}), expected a number` };
  }
}

function valueOrNoValues(value: number): Reading {
  return Number.isNaN(value) ? { kind: 'no-values' } : { kind: 'value', value };
}

function seriesNames(samples: readonly { labels: Readonly<Record<string, string>> }[]): string {
  const shown = samples.slice(0, 3).map((s) => {
    const labels = Object.entries(s.labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
    return `{${labels}}`;
  });
  return shown.join(' ') + (samples.length > 3 ? ' ...' : '');
}
