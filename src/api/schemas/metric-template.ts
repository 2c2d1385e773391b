// OpenAPI schema of flagger.app/v1beta1 MetricTemplate, the source of crds/metrictemplate.yaml.
import { obj, str, bool, stringMap, type JSONSchema } from '../schema.js';
import { localRef } from './common.js';

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
            headers: stringMap('Extra HTTP headers'),
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
