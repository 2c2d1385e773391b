// The list page: every Canary in the dashboard's scope, filtered by namespace and phase, redrawn
// from each "rows" message of /api/canaries (Server-Sent Events fed by the dashboard's watches).
import { h, replace, timeEl, weightBar, phaseBadge, canaryHref, subscribe } from './dom.js';

const PHASES = [
  'Initializing',
  'Initialized',
  'Waiting',
  'Progressing',
  'WaitingPromotion',
  'Promoting',
  'Finalising',
  'Succeeded',
  'Failed',
  'Terminating',
  'Terminated',
];
const nsSelect = document.getElementById('namespace');
const phaseSelect = document.getElementById('phase');
const body = document.getElementById('rows');
const summary = document.getElementById('summary');
const params = new URLSearchParams(location.search);
let latest = { rows: [], namespaces: [] };

for (const p of PHASES) phaseSelect.append(h('option', { value: p }, p));
phaseSelect.value = params.get('phase') ?? '';

function syncNamespaces(namespaces) {
  const wanted = nsSelect.value || params.get('namespace') || '';
  replace(
    nsSelect,
    h('option', { value: '' }, 'All namespaces'),
    namespaces.map((ns) => h('option', { value: ns }, ns)),
  );
  nsSelect.value = namespaces.includes(wanted) ? wanted : '';
}

function render() {
  const ns = nsSelect.value;
  const phase = phaseSelect.value;
  const rows = latest.rows.filter((r) => (!ns || r.namespace === ns) && (!phase || r.phase === phase));
  replace(
    body,
    rows.map((r) =>
      h(
        'tr',
        { 'data-canary': `${r.namespace}/${r.name}` },
        h('td', {}, r.namespace),
        h('th', { scope: 'row' }, h('a', { href: canaryHref(r.namespace, r.name) }, r.name)),
        h('td', { class: 'cell-phase' }, phaseBadge(r.phase, r.paused)),
        h('td', {}, weightBar(r)),
        h('td', { class: 'num' }, String(r.failedChecks)),
        h('td', {}, timeEl(r.lastTransitionTime)),
      ),
    ),
  );
  if (rows.length === 0)
    replace(body, h('tr', {}, h('td', { colspan: 6, class: 'empty' }, latest.rows.length ? 'No canary matches the filters.' : 'No canaries found.')));
  summary.textContent = `${rows.length} of ${latest.rows.length} canaries shown`;
}

function remember() {
  const q = new URLSearchParams();
  if (nsSelect.value) q.set('namespace', nsSelect.value);
  if (phaseSelect.value) q.set('phase', phaseSelect.value);
  history.replaceState(null, '', q.size ? `?${q}` : location.pathname);
}

nsSelect.addEventListener('change', () => {
  remember();
  render();
});
phaseSelect.addEventListener('change', () => {
  remember();
  render();
});

subscribe(
  '/api/canaries',
  {
    scope: (s) => {
      document.getElementById('scope').textContent = `${s.namespace ? `namespace ${s.namespace}` : 'all namespaces'}${s.readOnly ? ' · read-only' : ''}`;
    },
    rows: (data) => {
      latest = data;
      syncNamespaces(data.namespaces);
      render();
    },
  },
  document.getElementById('connection'),
);
