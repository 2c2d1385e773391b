// OpenAPI schema of flagger.app/v1beta1 MetricTemplate, the source of crds/metrictemplate.yaml.
import { obj, str, bool, mapOf, type JSONSchema } from '../schema.js';
import { localRef } from './common.js';

/**
 * A header's values: Flagger's field is Go's http.Header, a list of strings per header
 * (`X-Scope-OrgID: [tenant]`), and manifests written for Sluice use one string. A structural schema
 * cannot say "a string or a list of strings" (anyOf may not carry types), so the apiserver keeps any
 * value and validateMetricTemplate refuses what is neither, naming the field.
 */
const headerValues: JSONSchema = {
  'x-kubernetes-preserve-unknown-fields': true,
  description: 'A value, or a list of values sent as one header each',
};

export const metricTemplateSchema: JSONSchema = obj(
  {
    apiVersion: str(),
    kind: str(),
    metadata: { type: 'object' },
    spec: obj(
      {
        provider: obj(
          {
            type: str('Metrics provider type (Sluice serves prometheus)'),
            address: str('Address of the metrics server'),
            headers: mapOf(headerValues, 'Extra HTTP headers'),
            secretRef: localRef('Secret with token, or username and password'),
            region: str(),
            insecureSkipVerify: bool(),
          },
          { required: ['type'] },
        ),
        query: str('Query template'),
      },
      { required: ['provider', 'query'] },
    ),
    status: obj({}),
  },
  { required: ['spec'], description: 'MetricTemplate is a reusable query for canary analysis' },
);
