// The metric backends, one entry per MetricTemplate `spec.provider.type`. A Record over the
// type union, so a type without an entry does not compile.
import type { MetricBackend, MetricBackendType } from './backend.js';
import { cloudwatch } from './cloudwatch.js';
import { datadog } from './datadog.js';
import { dynatrace } from './dynatrace.js';
import { externalmetrics } from './external-metrics.js';
import { graphite } from './graphite.js';
import { influxdb } from './influxdb.js';
import { keptn } from './keptn.js';
import { newrelic } from './newrelic.js';
import { prometheus } from './prometheus.js';
import { skywalking } from './skywalking.js';
import { splunk } from './splunk.js';
import { stackdriver } from './stackdriver.js';

export const METRIC_BACKENDS: Readonly<Record<MetricBackendType, MetricBackend>> = {
  prometheus,
  graphite,
  datadog,
  newrelic,
  dynatrace,
  splunk,
  influxdb,
  stackdriver,
  cloudwatch,
  keptn,
  externalmetrics,
  skywalking,
};
