// The three CustomResourceDefinitions, built from the schemas in ./schemas.
// `sluice crds` writes them to crds/; a unit test fails when the committed files drift.
import { API_GROUP, API_VERSION } from './types.js';
import type { JSONSchema } from './schema.js';
import { canarySchema } from './schemas/canary.js';
import { metricTemplateSchema } from './schemas/metric-template.js';
import { alertProviderSchema } from './schemas/alert-provider.js';

interface PrinterColumn {
  name: string;
  type: 'string' | 'boolean' | 'integer' | 'number' | 'date';
  jsonPath: string;
  priority?: number;
}

interface CrdInput {
  kind: string;
  plural: string;
  singular: string;
  shortNames?: string[];
  schema: JSONSchema;
  columns: PrinterColumn[];
}

const wide = (name: string, type: PrinterColumn['type'], jsonPath: string): PrinterColumn => ({ name, type, jsonPath, priority: 1 });

const INPUTS: CrdInput[] = [
  {
    kind: 'Canary',
    plural: 'canaries',
    singular: 'canary',
    schema: canarySchema,
    columns: [
      { name: 'Status', type: 'string', jsonPath: '.status.phase' },
      { name: 'Weight', type: 'string', jsonPath: '.status.canaryWeight' },
      wide('Suspended', 'boolean', '.spec.suspend'),
      wide('FailedChecks', 'string', '.status.failedChecks'),
      wide('Interval', 'string', '.spec.analysis.interval'),
      wide('Mirror', 'boolean', '.spec.analysis.mirror'),
      wide('StepWeight', 'string', '.spec.analysis.stepWeight'),
      wide('StepWeights', 'string', '.spec.analysis.stepWeights'),
      wide('MaxWeight', 'string', '.spec.analysis.maxWeight'),
      { name: 'LastTransitionTime', type: 'string', jsonPath: '.status.lastTransitionTime' },
    ],
  },
  {
    kind: 'MetricTemplate',
    plural: 'metrictemplates',
    singular: 'metrictemplate',
    schema: metricTemplateSchema,
    columns: [{ name: 'Provider', type: 'string', jsonPath: '.spec.provider.type' }],
  },
  {
    kind: 'AlertProvider',
    plural: 'alertproviders',
    singular: 'alertprovider',
    schema: alertProviderSchema,
    columns: [{ name: 'Type', type: 'string', jsonPath: '.spec.type' }],
  },
];

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
}

function crdOf(input: CrdInput): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${input.plural}.${API_GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'sluice' },
    },
    spec: {
      group: API_GROUP,
      names: {
        kind: input.kind,
        listKind: `${input.kind}List`,
        plural: input.plural,
        singular: input.singular,
        categories: ['all', 'flagger'],
        ...(input.shortNames ? { shortNames: input.shortNames } : {}),
      },
      scope: 'Namespaced',
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: input.columns,
          schema: { openAPIV3Schema: input.schema },
        },
      ],
    },
  };
}

/** File name in crds/ -> CRD object. */
export function flaggerCrds(): Record<string, CustomResourceDefinition> {
  return Object.fromEntries(INPUTS.map((i) => [`${i.singular}.yaml`, crdOf(i)]));
}

export function schemaOfKind(kind: string): JSONSchema | undefined {
  return INPUTS.find((i) => i.kind === kind)?.schema;
}
