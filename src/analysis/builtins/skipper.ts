// Skipper: route names are built from namespace, ingress and service, with every non-word
// character replaced by "_" as Skipper itself does when it names routes.
import type { QueryModel } from '../template.js';
import type { BuiltinFamily } from './family.js';

const routePattern = '{{- $route := printf "kube(ew)?_%s__%s_canary__.*__%s_canary(_[0-9]+)?" namespace ingress service }}';

function skipperNames(model: QueryModel): QueryModel {
  const word = (s: string) => s.replace(/\W/g, '_');
  return {
    ...model,
    name: word(model.name),
    namespace: word(model.namespace),
    target: word(model.target),
    service: word(model.service),
    ingress: word(model.ingress),
  };
}

export const skipper: BuiltinFamily = {
  requestSuccessRate:
    routePattern +
    'sum(rate(skipper_response_duration_seconds_bucket{route=~"{{ $route }}",code!~"5..",le="+Inf"}[{{ interval }}])) / ' +
    'sum(rate(skipper_response_duration_seconds_bucket{route=~"{{ $route }}",le="+Inf"}[{{ interval }}])) * 100',
  requestDuration:
    routePattern +
    'sum(rate(skipper_serve_route_duration_seconds_sum{route=~"{{ $route }}"}[{{ interval }}])) / ' +
    'sum(rate(skipper_serve_route_duration_seconds_count{route=~"{{ $route }}"}[{{ interval }}])) * 1000',
  requestCount: routePattern + 'sum(increase(skipper_response_duration_seconds_bucket{route=~"{{ $route }}",le="+Inf"}[{{ interval }}]))',
  durationUnit: 'ms',
  adaptModel: skipperNames,
};
