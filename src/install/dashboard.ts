// A Grafana dashboard of the canary metrics, under Flagger's metric names, so it also works for
// a Flagger installation. Built in code (deterministic) and written to manifests/grafana/.
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
const sel = 'namespace=~"$namespace",name=~"$canary"';

interface PanelSpec {
  title: string;
  type: 'timeseries' | 'stat' | 'table';
  targets: { expr: string; legendFormat?: string; instant?: boolean; format?: string }[];
  grid: { x: number; y: number; w: number; h: number };
  unit?: string;
  description: string;
  mappings?: unknown[];
  min?: number;
  max?: number;
}

const statusMappings = [
  {
    type: 'value',
    options: {
      0: { text: 'Progressing', color: 'blue', index: 0 },
      1: { text: 'Idle / Succeeded', color: 'green', index: 1 },
      2: { text: 'Failed', color: 'red', index: 2 },
    },
  },
];

const PANELS: PanelSpec[] = [
  {
    title: 'Canaries',
    type: 'stat',
    grid: { x: 0, y: 0, w: 4, h: 4 },
    description: 'Canaries per namespace known to the operator.',
    targets: [{ expr: 'sum(flagger_canary_total{namespace=~"$namespace"})' }],
  },
  {
    title: 'Failed canaries',
    type: 'stat',
    grid: { x: 4, y: 0, w: 4, h: 4 },
    description: 'Canaries whose last analysis failed (status 2).',
    targets: [{ expr: `count(flagger_canary_status{${sel}} == 2) or vector(0)` }],
  },
  {
    title: 'Promotions (24h)',
    type: 'stat',
    grid: { x: 8, y: 0, w: 4, h: 4 },
    description: 'Promotions in the last 24 hours.',
    targets: [{ expr: `sum(increase(flagger_canary_successes_total{${sel}}[24h])) or vector(0)` }],
  },
  {
    title: 'Rollbacks (24h)',
    type: 'stat',
    grid: { x: 12, y: 0, w: 4, h: 4 },
    description: 'Rollbacks in the last 24 hours.',
    targets: [{ expr: `sum(increase(flagger_canary_failures_total{${sel}}[24h])) or vector(0)` }],
  },
  {
    title: 'Operator',
    type: 'stat',
    grid: { x: 16, y: 0, w: 8, h: 4 },
    description: 'Version and default mesh provider of the running operator.',
    targets: [{ expr: 'flagger_info', legendFormat: '{{version}} ({{mesh_provider}})', instant: true }],
  },
  {
    title: 'Canary status',
    type: 'table',
    grid: { x: 0, y: 4, w: 8, h: 8 },
    description: '0 progressing, 1 idle or succeeded, 2 failed.',
    targets: [{ expr: `flagger_canary_status{${sel}}`, instant: true, format: 'table' }],
    mappings: statusMappings,
  },
  {
    title: 'Traffic weight',
    type: 'timeseries',
    grid: { x: 8, y: 4, w: 16, h: 8 },
    unit: 'percent',
    min: 0,
    max: 100,
    description: 'Weight of each canary and its primary: a rollout is a staircase up, a promotion or rollback the drop back to the primary.',
    targets: [{ expr: 'flagger_canary_weight{namespace=~"$namespace",workload=~"$canary|$canary-primary"}', legendFormat: '{{namespace}}/{{workload}}' }],
  },
  {
    title: 'Metric checks',
    type: 'timeseries',
    grid: { x: 0, y: 12, w: 24, h: 8 },
    description: "Last value of every metric check of the analysis (the thresholds are in each Canary's status: sluice status NAME).",
    targets: [{ expr: `flagger_canary_metric_analysis{${sel}}`, legendFormat: '{{namespace}}/{{name}} {{metric}}' }],
  },
  {
    title: 'Promotions and rollbacks',
    type: 'timeseries',
    grid: { x: 0, y: 20, w: 12, h: 8 },
    description: 'Finished analyses per hour, by outcome and strategy.',
    targets: [
      {
        expr: `sum by (namespace, name, deployment_strategy) (increase(flagger_canary_successes_total{${sel}}[1h]))`,
        legendFormat: 'promoted {{namespace}}/{{name}} ({{deployment_strategy}})',
      },
      {
        expr: `sum by (namespace, name, deployment_strategy) (increase(flagger_canary_failures_total{${sel}}[1h]))`,
        legendFormat: 'rolled back {{namespace}}/{{name}} ({{deployment_strategy}})',
      },
    ],
  },
  {
    title: 'Reconcile duration (p50, p99)',
    type: 'timeseries',
    grid: { x: 12, y: 20, w: 12, h: 8 },
    unit: 's',
    description: 'Time one reconcile of a canary takes (flagger_canary_duration_seconds).',
    targets: [
      { expr: `histogram_quantile(0.5, sum by (le) (rate(flagger_canary_duration_seconds_bucket{${sel}}[5m])))`, legendFormat: 'p50' },
      { expr: `histogram_quantile(0.99, sum by (le) (rate(flagger_canary_duration_seconds_bucket{${sel}}[5m])))`, legendFormat: 'p99' },
    ],
  },
];

const variable = (name: string, label: string, query: string) => ({
  name,
  label,
  type: 'query',
  datasource: DATASOURCE,
  query: { query, refId: `${name}-variable` },
  definition: query,
  refresh: 2,
  includeAll: true,
  multi: true,
  allValue: '.*',
  current: { text: 'All', value: '$__all' },
  sort: 1,
});

export function canaryDashboard(): Record<string, unknown> {
  return {
    title: 'Sluice canaries',
    uid: 'sluice-canaries',
    description: 'Progressive delivery with Sluice (Flagger-compatible flagger_* metrics).',
    tags: ['sluice', 'flagger', 'canary'],
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timezone: 'browser',
    templating: {
      list: [
        { name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {} },
        variable('namespace', 'Namespace', 'label_values(flagger_canary_status, namespace)'),
        variable('canary', 'Canary', 'label_values(flagger_canary_status{namespace=~"$namespace"}, name)'),
      ],
    },
    panels: PANELS.map((p, i) => ({
      id: i + 1,
      title: p.title,
      description: p.description,
      type: p.type,
      datasource: DATASOURCE,
      gridPos: p.grid,
      fieldConfig: {
        defaults: {
          ...(p.unit ? { unit: p.unit } : {}),
          ...(p.min !== undefined ? { min: p.min } : {}),
          ...(p.max !== undefined ? { max: p.max } : {}),
          ...(p.mappings ? { mappings: p.mappings } : {}),
        },
        overrides: [],
      },
      options: {},
      targets: p.targets.map((t, j) => ({
        refId: String.fromCharCode(65 + j),
        datasource: DATASOURCE,
        expr: t.expr,
        ...(t.legendFormat ? { legendFormat: t.legendFormat } : {}),
        ...(t.instant ? { instant: true, range: false } : {}),
        ...(t.format ? { format: t.format } : {}),
      })),
    })),
  };
}
