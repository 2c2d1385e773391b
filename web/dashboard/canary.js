// The Canary page: the weight timeline, one chart per metric (with the judge's comparison), the
// Events, the generated objects with their traffic split and the conditions, redrawn from each
// "detail" message of /api/canary; and the action buttons, each confirmed in a dialog before it
// posts to /api/canary/action, shown only once the server says it takes actions ("scope").
import { h, replace, timeEl, weightBar, phaseBadge, subscribe } from './dom.js';
import { weightChart, metricChart, timeRange } from './charts.js';

const params = new URLSearchParams(location.search);
const namespace = params.get('namespace') ?? '';
const name = params.get('name') ?? '';
const title = `${namespace}/${name}`;
document.title = `${title} · Sluice`;
document.getElementById('title').textContent = title;

const CONFIRM = {
  promote: 'Promote it now, skipping the remaining steps?',
  abort: 'Abort the analysis and roll back to the primary?',
  retry: 'Analyse the failed revision again?',
  pause: 'Pause the analysis where it is (no step, no check) until resumed?',
  resume: 'Resume the paused analysis?',
};

/** A Deployment's or Service's share, or the split a routing object carries. */
const weightText = (o) => (o.split !== undefined ? o.split || '—' : o.weight === undefined ? '—' : `${o.weight}%`);

let weights;
const metricCharts = new Map();
let current;

function render(detail) {
  current = detail;
  const row = detail.row;
  replace(document.getElementById('summary'), phaseBadge(row.phase, row.paused), ' ', weightBar(row), ` · ${row.failedChecks} failed checks`);
  const shared = timeRange(detail);
  weights ??= weightChart(document.getElementById('weight-chart'));
  weights.update(detail, shared);
  const box = document.getElementById('metric-charts');
  for (const series of detail.metrics) {
    let chart = metricCharts.get(series.name);
    if (!chart) {
      const figure = h('figure', { class: 'figure' });
      box.append(h('h3', {}, series.name), figure);
      chart = metricChart(figure, series.name);
      metricCharts.set(series.name, chart);
    }
    chart.update(series, detail, shared);
  }
  if (detail.metrics.length === 0) replace(box, h('p', {}, 'This canary has no metric checks.'));
  replace(
    document.getElementById('events'),
    [...detail.events]
      .reverse()
      .map((e) =>
        h(
          'tr',
          { class: e.type === 'Warning' ? 'warning' : undefined },
          h('td', {}, timeEl(e.at)),
          h('td', {}, e.type),
          h('td', {}, e.reason),
          h('td', {}, e.message, e.count > 1 ? ` (×${e.count})` : ''),
        ),
      ),
  );
  replace(
    document.getElementById('objects'),
    detail.objects.map((o) => h('tr', {}, h('td', {}, o.kind), h('td', {}, o.name), h('td', { class: 'split' }, weightText(o)), h('td', {}, o.detail))),
  );
  if (detail.objects.length === 0)
    replace(
      document.getElementById('objects'),
      h('tr', {}, h('td', { colspan: 4, class: 'empty' }, 'None yet: the controller has not initialized this canary.')),
    );
  if (detail.conditions.length === 0)
    replace(document.getElementById('conditions'), h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No conditions yet.')));
  // Without the permission to watch Events the server says so: an empty table would read as "none".
  if (detail.events.length === 0 && !detail.eventsUnavailable)
    replace(
      document.getElementById('events'),
      h('tr', {}, h('td', { colspan: 4, class: 'empty' }, 'No Events (the apiserver keeps them for an hour by default).')),
    );
  const eventsUnavailable = document.getElementById('events-unavailable');
  eventsUnavailable.hidden = !detail.eventsUnavailable;
  eventsUnavailable.textContent = detail.eventsUnavailable ?? '';
  const objectsError = document.getElementById('objects-error');
  objectsError.hidden = !detail.objectsError;
  objectsError.textContent = detail.objectsError ?? '';
  replace(
    document.getElementById('conditions'),
    detail.conditions.map((c) =>
      h('tr', {}, h('td', {}, c.type), h('td', {}, c.status), h('td', {}, c.reason), h('td', {}, c.message), h('td', {}, timeEl(c.lastTransitionTime))),
    ),
  );
  for (const button of document.querySelectorAll('#actions button')) {
    const verb = button.dataset.verb;
    button.disabled = (verb === 'pause' && row.paused) || (verb === 'resume' && !row.paused);
  }
}

const dialog = document.getElementById('confirm');
const result = document.getElementById('action-result');

async function act(verb) {
  result.className = 'result';
  result.textContent = `${verb}: sending…`;
  try {
    const response = await fetch('/api/canary/action', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ namespace, name, verb }),
    });
    const body = await response.json().catch(() => ({ message: response.statusText }));
    result.className = response.ok ? 'result ok' : 'result error';
    result.setAttribute('role', response.ok ? 'status' : 'alert');
    result.textContent = body.message;
  } catch (err) {
    result.className = 'result error';
    result.setAttribute('role', 'alert');
    result.textContent = `${verb} failed: ${err.message}`;
  }
}

for (const button of document.querySelectorAll('#actions button')) {
  button.addEventListener('click', () => {
    const verb = button.dataset.verb;
    document.getElementById('confirm-text').textContent = `${verb[0].toUpperCase()}${verb.slice(1)} canary ${title}? ${CONFIRM[verb]}`;
    dialog.returnValue = '';
    dialog.onclose = () => {
      if (dialog.returnValue === 'confirm') void act(verb);
      else button.focus();
    };
    dialog.showModal();
    document.getElementById('confirm-ok').focus();
  });
}

subscribe(
  `/api/canary?${new URLSearchParams({ namespace, name })}`,
  {
    scope: (s) => {
      document.getElementById('read-only').hidden = !s.readOnly;
      document.getElementById('actions-section').hidden = s.readOnly;
    },
    detail: render,
    gone: () => {
      replace(document.getElementById('summary'), h('strong', {}, 'This canary no longer exists.'));
      for (const button of document.querySelectorAll('#actions button')) button.disabled = true;
    },
  },
  document.getElementById('connection'),
);

// The time axis ends at "now": move it on between messages too.
setInterval(() => {
  if (current) render(current);
}, 10_000);
