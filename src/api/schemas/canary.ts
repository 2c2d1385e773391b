// OpenAPI schema of flagger.app/v1beta1 Canary, the source of crds/canary.yaml.
import { obj, str, num, int, bool, list, stringMap, mapOf, freeform, intOrString, oneOfStrings, type JSONSchema } from '../schema.js';
import { stringMatch, objectRef, localRef, customMetadata, stringList } from './common.js';
import { REFERENCE_FIELDS, SUPPORTED_PROVIDERS } from '../providers.js';
import { SUPPORTED_AUTOSCALER_KINDS, SUPPORTED_TARGET_KINDS } from '../workloads.js';
import { KNATIVE_SERVICE } from '../knative.js';
import { WEBHOOK_TYPES, ALERT_SEVERITIES, CANARY_PHASES, JUDGE_DIRECTIONS } from '../types.js';
import { CANARY_LIMITS } from '../limits.js';

const httpMatchRequest: JSONSchema = obj({
  name: str(),
  uri: stringMatch,
  scheme: stringMatch,
  method: stringMatch,
  authority: stringMatch,
  headers: mapOf(stringMatch),
  withoutHeaders: mapOf(stringMatch),
  queryParams: mapOf(stringMatch),
  sourceLabels: stringMap(),
  sourceNamespace: str(),
  gateways: stringList(),
  port: int(),
  ignoreUriCase: bool(),
});

const service: JSONSchema = obj(
  {
    name: str('Apex Service name (default: targetRef.name)'),
    port: int('ClusterIP port number', { minimum: 1, maximum: 65535 }),
    portName: str('Port name (default http)'),
    targetPort: intOrString('Container port number or name (default: port)'),
    appProtocol: str(),
    trafficDistribution: oneOfStrings(['PreferClose', 'PreferSameZone', 'PreferSameNode']),
    portDiscovery: bool('Add the other container ports to the generated Services'),
    headless: bool('Generate headless Services'),
    timeout: str('HTTP request timeout'),
    backendTimeout: str('Backend request timeout (Gateway API only)'),
    gateways: stringList('Istio gateways (default: mesh)'),
    gatewayRefs: list(
      obj({ name: str(), namespace: str(), group: str(), kind: str(), sectionName: str(), port: int() }, { required: ['name'] }),
      'Gateway API parent references',
    ),
    hosts: stringList(),
    delegation: bool('Generate a delegate VirtualService'),
    trafficPolicy: freeform('Istio DestinationRule traffic policy'),
    match: list(httpMatchRequest, 'URI match conditions', { maxItems: CANARY_LIMITS.matches }),
    rewrite: obj({ uri: str(), authority: str(), type: str() }),
    retries: obj({ attempts: int(), perTryTimeout: str(), retryOn: str() }),
    headers: freeform('Header operations'),
    mirror: list(freeform(), 'Gateway API mirror filters'),
    corsPolicy: freeform('Istio CORS policy'),
    meshName: str(),
    backends: stringList(),
    apex: customMetadata('Metadata added to the apex Service'),
    primary: customMetadata('Metadata added to the primary Service'),
    canary: customMetadata('Metadata added to the canary Service'),
    unmanagedMetadata: obj({ annotations: stringList(), labels: stringList() }),
  },
  { required: ['port'], description: 'Kubernetes Service spec' },
);

const metric: JSONSchema = obj(
  {
    name: str('Builtin metric name or a label for a custom one'),
    interval: str('Query range, a duration (default 1m)'),
    threshold: num('Deprecated: threshold of a builtin or inline-query metric'),
    thresholdRange: obj({ min: num(), max: num() }),
    query: str('Deprecated: inline Prometheus query'),
    templateRef: localRef('MetricTemplate reference', true),
    templateVariables: stringMap('Variables for the template query'),
    minRequestCount: num('Sluice: fewer requests than this in the interval gives "no data"'),
    sluiceJudge: obj(
      {
        direction: oneOfStrings([...JUDGE_DIRECTIONS], 'Which change is a regression'),
        confidence: num('Percent: a difference counts when its p-value is below 1 - confidence/100'),
        tolerance: obj(
          {
            ratio: num("Tolerated shift as a fraction of the primary's median (0.1: 10 %)"),
            absolute: num("Tolerated shift in the metric's unit (milliseconds for request-duration)"),
          },
          { description: 'The shift tolerated in the bad direction: ratio or absolute' },
        ),
        step: str('Sample step of the range queries, a duration'),
        minSamples: int('Fewer samples than this on either side gives "no data"'),
      },
      { description: "Sluice: compare the canary's samples with the primary's (Mann-Whitney U test)" },
    ),
  },
  { required: ['name'] },
);

const webhook: JSONSchema = obj(
  {
    name: str(),
    type: oneOfStrings(['', ...WEBHOOK_TYPES]),
    url: str(),
    timeout: str('Request timeout (default 10s, at most 5m)'),
    retries: int('Retries on network errors, 5xx and 429', { minimum: 0, maximum: CANARY_LIMITS.webhookRetries }),
    disableTLS: bool(),
    muteAlert: bool(),
    metadata: stringMap(),
  },
  { required: ['name', 'url'] },
);

const analysis: JSONSchema = obj(
  {
    interval: str('Schedule interval (default 60s)'),
    iterations: int('Number of checks for A/B testing and Blue/Green', { minimum: 0, maximum: CANARY_LIMITS.iterations }),
    mirror: bool('Mirror traffic to the canary'),
    mirrorWeight: int('Percentage of traffic mirrored', { minimum: 0, maximum: 100 }),
    maxWeight: num('Max traffic weight routed to the canary (default 100)'),
    stepWeight: num('Traffic step weight'),
    stepWeights: list(num(), 'Traffic step weights', { maxItems: CANARY_LIMITS.stepWeights }),
    stepWeightPromotion: num('Traffic step weight during promotion'),
    threshold: int('Max number of failed checks before rollback (default 1)', { maximum: CANARY_LIMITS.threshold }),
    primaryReadyThreshold: int('Percentage of primary pods that must be available (default 100)'),
    canaryReadyThreshold: int('Percentage of canary pods that must be available (default 100)'),
    alerts: list(
      obj(
        {
          name: str(),
          severity: oneOfStrings(['', ...ALERT_SEVERITIES]),
          providerRef: localRef('AlertProvider reference', true),
        },
        { required: ['name', 'providerRef'] },
      ),
      'Notifications',
      { maxItems: CANARY_LIMITS.alerts },
    ),
    metrics: list(metric, 'Metric checks', { maxItems: CANARY_LIMITS.metrics }),
    webhooks: list(webhook, 'Rollout webhooks', { maxItems: CANARY_LIMITS.webhooks }),
    match: list(httpMatchRequest, 'A/B testing match conditions', { maxItems: CANARY_LIMITS.matches }),
    sessionAffinity: obj(
      {
        cookieName: str(),
        primaryCookieName: str(),
        domain: str(),
        httpOnly: bool(),
        maxAge: int(undefined, { default: 86400 }),
        partitioned: bool(),
        path: str(),
        sameSite: oneOfStrings(['Strict', 'Lax', 'None']),
        secure: bool(),
      },
      { required: ['cookieName'] },
    ),
  },
  { description: 'Canary analysis' },
);

const spec: JSONSchema = obj(
  {
    provider: oneOfStrings([...SUPPORTED_PROVIDERS], 'Traffic management provider'),
    metricsServer: str('Prometheus URL'),
    progressDeadlineSeconds: int('Seconds to make progress before rollback (default 600)'),
    // A Knative Service (provider knative) is a target kind of its own: src/api/knative.ts.
    targetRef: objectRef([...new Set<string>([...SUPPORTED_TARGET_KINDS, KNATIVE_SERVICE.kind])], 'Target workload'),
    autoscalerRef: obj(
      {
        apiVersion: str(),
        kind: { type: 'string', enum: [...SUPPORTED_AUTOSCALER_KINDS] },
        name: str(),
        primaryScalerQueries: stringMap(),
        primaryScalerReplicas: obj({ minReplicas: int(undefined, { minimum: 1 }), maxReplicas: int(undefined, { minimum: 1 }) }),
      },
      { required: ['apiVersion', 'kind', 'name'], description: 'Autoscaler of the target' },
    ),
    ingressRef: objectRef([REFERENCE_FIELDS.ingressRef.kind], 'Ingress to copy (NGINX, Skipper)'),
    routeRef: objectRef([REFERENCE_FIELDS.routeRef.kind], 'APISIX ApisixRoute'),
    upstreamRef: objectRef([REFERENCE_FIELDS.upstreamRef.kind], 'Gloo Upstream to copy', true),
    // Flagger's Gloo Mesh manifests give only a name and a namespace.
    routeTableRef: obj(
      { apiVersion: str(), kind: oneOfStrings([REFERENCE_FIELDS.routeTableRef.kind]), name: str(), namespace: str() },
      { required: ['name'], description: 'Gloo Mesh RouteTable that delegates to the one Sluice writes' },
    ),
    service,
    analysis,
    canaryAnalysis: analysis,
    skipAnalysis: bool('Promote without analysis'),
    suspend: bool('Pause all canary runs'),
    revertOnDeletion: bool('Restore the target on deletion'),
  },
  // spec.service is required but for a knative Canary (src/api/knative-rules.ts), as Flagger's CRD leaves it optional.
  { required: ['targetRef'] },
);

const condition: JSONSchema = obj(
  {
    type: str(),
    status: str(),
    reason: str(),
    message: str(),
    lastUpdateTime: str(undefined, { format: 'date-time' }),
    lastTransitionTime: str(undefined, { format: 'date-time' }),
  },
  { required: ['type', 'status', 'reason'] },
);

const status: JSONSchema = obj({
  phase: oneOfStrings([...CANARY_PHASES]),
  failedChecks: int(),
  canaryWeight: num(),
  iterations: int(),
  trackedConfigs: stringMap(),
  lastAppliedSpec: str(),
  lastPromotedSpec: str(),
  lastTransitionTime: str(undefined, { format: 'date-time' }),
  sessionAffinityCookie: str(),
  previousSessionAffinityCookie: str(),
  primarySessionAffinityCookie: str(),
  conditions: list(condition),
  observedGeneration: int(),
  lastAnalysisTime: str(undefined, { format: 'date-time' }),
  mirrored: bool('Sluice: the canary receives mirrored traffic'),
  firstStepPending: bool('Sluice: the analysis takes its first step as soon as the canary is ready'),
  pendingEvents: obj(
    {
      at: str(undefined, { format: 'date-time' }),
      events: list(obj({ type: str(), message: str() }, { required: ['type', 'message'] })),
    },
    { description: 'Sluice: the Events of the last status change, recorded again after a restart if lost' },
  ),
  commands: obj({ abort: str(), promote: str(), retry: str() }, { description: 'Sluice: commands carried out' }),
  metrics: list(
    obj(
      {
        name: str(),
        result: oneOfStrings(['pass', 'fail', 'nodata', 'error']),
        value: num(),
        min: num(),
        max: num(),
        message: str(),
        checkedAt: str(undefined, { format: 'date-time' }),
        judge: obj(
          {
            classification: oneOfStrings(['pass', 'high', 'low', 'nodata', 'error']),
            canaryMedian: num(),
            primaryMedian: num(),
            shift: num('Hodges-Lehmann shift, canary minus primary'),
            relativeShift: num("The shift as a fraction of the primary's median"),
            pValue: num(),
            canarySamples: int(),
            primarySamples: int(),
            message: str(),
          },
          { description: "Sluice: the statistical judge's comparison with the primary" },
        ),
      },
      { required: ['name', 'result'] },
    ),
    'Sluice: the last verdict of every metric',
  ),
});

export const canarySchema: JSONSchema = obj(
  { apiVersion: str(), kind: str(), metadata: { type: 'object' }, spec, status },
  { required: ['spec'], description: 'Canary drives the progressive delivery of a workload' },
);
