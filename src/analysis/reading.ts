// From a query's answer to the one number a check judges, or the reason there is none.
// An answer of several series is read by the backend's rule, the one its Flagger provider
// follows (backend.ts ManySeries): where Flagger picks a series, Sluice picks the same one and
// says so in `series`; where Flagger refuses, so does Sluice.
import type { ManySeriesRule } from './backends/backend.js';
import type { QueryResult, Sample } from './prometheus.js';

export type Reading =
  /** `series`: how many series came back and which one was used, when there were several. */
  | { readonly kind: 'value'; readonly value: number; readonly series?: string }
  /** Empty result or NaN: Flagger's "no values found". `series` as for a value. */
  | { readonly kind: 'no-values'; readonly series?: string }
  /** Sluice: fewer requests than the metric's minRequestCount. */
  | { readonly kind: 'too-few-requests'; readonly requests: number; readonly minimum: number; readonly interval: string }
  /** The answer has a shape a threshold cannot judge (refused series, a range vector, a string). */
  | { readonly kind: 'ambiguous'; readonly detail: string }
  /** The query could not run, or its template could not be prepared. */
  | { readonly kind: 'error'; readonly stage: 'query' | 'template'; readonly message: string };

export function readingOf(result: QueryResult, manySeries: ManySeriesRule): Reading {
  switch (result.type) {
    case 'vector':
      return readingOfSeries(result.samples, manySeries);
    case 'scalar':
      return valueOrNoValues(result.value);
    case 'matrix':
      return {
        kind: 'ambiguous',
        detail: `the query returned a range vector (${result.seriesCount} series), expected one instant value; Flagger refuses it as well (several values)`,
      };
    case 'string':
      return { kind: 'ambiguous', detail: `the query returned a string (${JSON.stringify(result.value)}), expected a number` };
  }
}

function readingOfSeries(samples: readonly Sample[], { rule, oneSeries }: ManySeriesRule): Reading {
  if (samples.length === 0) return { kind: 'no-values' };
  if (samples.length === 1) return valueOrNoValues(samples[0].value);
  const count = samples.length;
  const withData = samples.filter((s) => !Number.isNaN(s.value));
  switch (rule) {
    case 'first':
      return picked(samples[0], `the query returned ${count} series; used the first`, oneSeries);
    case 'last':
      return picked(samples[count - 1], `the query returned ${count} series; used the last`, oneSeries);
    case 'last-with-data':
      if (withData.length === 0) return { kind: 'no-values' };
      return picked(withData[withData.length - 1], `the query returned ${count} series, ${withData.length} with data; used the last with data`, oneSeries);
    case 'first-with-data':
      if (withData.length === 0) return { kind: 'no-values' };
      return picked(
        withData[0],
        `the query returned ${count} series, ${withData.length} with data; used the first with data (Flagger's pick among several is random)`,
        oneSeries,
      );
    case 'refuse-as-no-values':
      return {
        kind: 'no-values',
        series: `the query returned ${count} results; Flagger reads anything but one result as no values: ${oneSeries} so that it answers one`,
      };
    case 'refuse':
    case 'one-value':
      if (withData.length <= 1) return withData.length ? valueOrNoValues(withData[0].value) : { kind: 'no-values' };
      return {
        kind: 'ambiguous',
        detail: `the query returned ${withData.length} series with data (${seriesNames(withData)}); Flagger refuses more than one value as well: ${oneSeries} so that it answers one`,
      };
  }
}

/** The value of the series Flagger uses, and the sentence that says which it was. */
function picked(sample: Sample, which: string, oneSeries: string): Reading {
  const empty = Number.isNaN(sample.value) ? ', which has no value' : '';
  const series = `${which}, ${seriesName(sample)}${empty}, as Flagger does: ${oneSeries} to judge them all`;
  return Number.isNaN(sample.value) ? { kind: 'no-values', series } : { kind: 'value', value: sample.value, series };
}

function valueOrNoValues(value: number): Reading {
  return Number.isNaN(value) ? { kind: 'no-values' } : { kind: 'value', value };
}

function seriesName(sample: Pick<Sample, 'labels'>): string {
  const labels = Object.entries(sample.labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
  return `{${labels}}`;
}

function seriesNames(samples: readonly Pick<Sample, 'labels'>[]): string {
  return samples.slice(0, 3).map(seriesName).join(' ') + (samples.length > 3 ? ' ...' : '');
}
