// Every use of the charting library (uPlot, served from the installed package at /vendor/) is in
// this module; the pages hand it plain series and get back an object with update(). Each chart sits
// in a <figure> whose caption says in words what it shows and whose table holds every value, so
// the canvas itself is hidden from screen readers.
import uPlot from '/vendor/uPlot.esm.js';
import { h, replace, timeText } from './dom.js';

const COLORS = {
  weight: '#1a56a0',
  pass: '#1e7b34',
  fail: '#b3261e',
  value: '#4a4a4a',
  band: 'rgba(30, 123, 52, 0.12)',
  normal: 'rgba(74, 74, 74, 0.45)',
  warning: 'rgba(179, 38, 30, 0.75)',
};
const HEIGHT = 180;
const sec = (ms) => ms / 1000;

/** Vertical lines at each Event's time: grey for Normal, red for Warning. */
function eventMarkersPlugin(getEvents) {
  return {
    hooks: {
      draw: [
        (u) => {
          const { ctx, bbox } = u;
          ctx.save();
          for (const e of getEvents()) {
            const x = Math.round(u.valToPos(sec(e.at), 'x', true));
            if (x < bbox.left || x > bbox.left + bbox.width) continue;
            ctx.strokeStyle = e.type === 'Warning' ? COLORS.warning : COLORS.normal;
            ctx.lineWidth = e.type === 'Warning' ? 2 : 1;
            ctx.setLineDash(e.type === 'Warning' ? [] : [4, 3]);
            ctx.beginPath();
            ctx.moveTo(x, bbox.top);
            ctx.lineTo(x, bbox.top + bbox.height);
            ctx.stroke();
          }
          ctx.restore();
        },
      ],
    },
  };
}

/** The accepted range of a metric (between min and max, or beyond the one bound given) shaded. */
function thresholdBandPlugin(getBand) {
  return {
    hooks: {
      drawClear: [
        (u) => {
          const band = getBand();
          if (band.min === undefined && band.max === undefined) return;
          const { ctx, bbox } = u;
          const top = band.max !== undefined ? u.valToPos(band.max, 'y', true) : bbox.top;
          const bottom = band.min !== undefined ? u.valToPos(band.min, 'y', true) : bbox.top + bbox.height;
          ctx.save();
          ctx.fillStyle = COLORS.band;
          ctx.fillRect(bbox.left, Math.max(bbox.top, top), bbox.width, Math.min(bbox.top + bbox.height, bottom) - Math.max(bbox.top, top));
          ctx.restore();
        },
      ],
    },
  };
}

function sizeTo(plot, el) {
  const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(240, el.clientWidth), height: HEIGHT }));
  observer.observe(el);
}

function dataTable(caption, head, rows) {
  return h(
    'details',
    { class: 'data' },
    h('summary', {}, `${caption}: data as a table`),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            head.map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          rows.map((r) =>
            h(
              'tr',
              {},
              r.map((c) => h('td', {}, c)),
            ),
          ),
        ),
      ),
    ),
  );
}

/** The x range every chart of the page shares, so Events line up across them. */
export function timeRange(detail, now = Date.now()) {
  const times = [...detail.weights.map((p) => p.at), ...detail.events.map((e) => e.at), ...detail.metrics.flatMap((m) => m.points.map((p) => p.at))];
  const start = times.length ? Math.min(...times) : now - 60_000;
  return { min: sec(start - 5_000), max: sec(Math.max(now, ...times) + 5_000) };
}

/** The weight timeline: a step line of the canary's weight, with the Events as markers. */
export function weightChart(figure) {
  const canvasBox = h('div', { class: 'chart', 'aria-hidden': 'true' });
  const caption = h('figcaption');
  const table = h('div');
  replace(figure, caption, canvasBox, table);
  let events = [];
  let range = { min: 0, max: 1 };
  const plot = new uPlot(
    {
      width: Math.max(240, figure.clientWidth),
      height: HEIGHT,
      scales: { x: { time: true, range: () => [range.min, range.max] }, y: { range: [0, 100] } },
      axes: [{}, { label: 'weight %', values: (_u, ticks) => ticks.map((t) => `${t}%`) }],
      series: [{}, { label: 'canary weight', stroke: COLORS.weight, width: 2, fill: 'rgba(26, 86, 160, 0.10)', paths: uPlot.paths.stepped({ align: 1 }) }],
      legend: { show: false },
      plugins: [eventMarkersPlugin(() => events)],
    },
    [[], []],
    canvasBox,
  );
  sizeTo(plot, figure);
  return {
    update(detail, shared) {
      events = detail.events;
      range = shared;
      const points = detail.weights;
      const last = points[points.length - 1];
      // The step line runs on to the right edge at the current weight.
      const xs = [...points.map((p) => sec(p.at)), ...(last ? [range.max] : [])];
      const ys = [...points.map((p) => p.weight), ...(last ? [detail.row.weight] : [])];
      plot.setData([xs, ys]);
      caption.textContent = points.length
        ? `Canary weight over time: ${points.length} changes, now ${detail.row.weight}% (max ${detail.row.maxWeight}%); ${events.length} Events marked (dashed grey Normal, solid red Warning).`
        : `Canary weight: ${detail.row.weight}%, no change recorded yet.`;
      replace(
        table,
        dataTable(
          'Weight',
          ['time', 'weight'],
          points.map((p) => [timeText(p.at), `${p.weight}%`]),
        ),
      );
    },
  };
}

/** One metric: its value at each check, the accepted band, pass (green) and fail (red) points. */
export function metricChart(figure, name) {
  const canvasBox = h('div', { class: 'chart', 'aria-hidden': 'true' });
  const caption = h('figcaption');
  // The statistical judge's comparison with the primary (metrics with sluiceJudge), in words.
  const judge = h('p', { class: 'judge', hidden: true });
  const table = h('div');
  replace(figure, caption, canvasBox, judge, table);
  let events = [];
  let band = {};
  let range = { min: 0, max: 1 };
  const point = (color) => ({ show: true, size: 9, stroke: color, fill: color });
  const plot = new uPlot(
    {
      width: Math.max(240, figure.clientWidth),
      height: HEIGHT,
      scales: {
        x: { time: true, range: () => [range.min, range.max] },
        y: { range: (_u, lo, hi) => padded([lo, hi, band.min, band.max]) },
      },
      axes: [{}, { label: name }],
      series: [
        {},
        { label: 'value', stroke: COLORS.value, width: 1.5, spanGaps: true, points: { show: false } },
        { label: 'pass', stroke: COLORS.pass, width: 0, paths: () => null, points: point(COLORS.pass) },
        { label: 'fail', stroke: COLORS.fail, width: 0, paths: () => null, points: point(COLORS.fail) },
      ],
      legend: { show: false },
      plugins: [thresholdBandPlugin(() => band), eventMarkersPlugin(() => events)],
    },
    [[], [], [], []],
    canvasBox,
  );
  sizeTo(plot, figure);
  return {
    update(series, detail, shared) {
      events = detail.events;
      range = shared;
      band = { min: series.min, max: series.max };
      const pts = series.points;
      const value = (p) => (p.value === undefined ? null : p.value);
      plot.setData([
        pts.map((p) => sec(p.at)),
        pts.map(value),
        pts.map((p) => (p.result === 'pass' ? value(p) : null)),
        pts.map((p) => (p.result === 'fail' ? value(p) : null)),
      ]);
      const last = pts[pts.length - 1];
      const failed = pts.filter((p) => p.result !== 'pass').length;
      caption.textContent =
        `${name}: accepted ${bandText(band)}; ${pts.length} checks, ${failed} not passed` +
        (last ? `; last ${last.value ?? last.result} (${last.result}) at ${timeText(last.at)}.` : '; no check recorded yet.');
      judge.hidden = series.judge === undefined;
      judge.textContent = series.judge === undefined ? '' : `Judge, canary against primary at the last check: ${series.judge}`;
      const judged = pts.some((p) => p.judge !== undefined);
      replace(
        table,
        dataTable(
          name,
          ['time', 'value', 'result', 'message', ...(judged ? ['judge'] : [])],
          pts.map((p) => [timeText(p.at), p.value === undefined ? '—' : String(p.value), p.result, p.message ?? '', ...(judged ? [p.judge ?? '—'] : [])]),
        ),
      );
    },
  };
}

export function bandText(band) {
  if (band.min !== undefined && band.max !== undefined) return `${band.min} to ${band.max}`;
  if (band.min !== undefined) return `at least ${band.min}`;
  if (band.max !== undefined) return `at most ${band.max}`;
  return 'any value';
}

function padded(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return [0, 1];
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  const pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.1 || 1;
  return [lo - pad, hi + pad];
}
