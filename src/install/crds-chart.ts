// The three flagger.app CRDs, from the same schemas as crds/ (src/api/crds.ts). Written as raw
// ApiObjects: the typed CRD class would re-model the OpenAPI schema and could drop keywords.
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { flaggerCrds } from '../api/crds.js';

export class CrdsChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    for (const [file, crd] of Object.entries(flaggerCrds()).sort(([a], [b]) => a.localeCompare(b))) {
      new ApiObject(this, file, crd as unknown as ConstructorParameters<typeof ApiObject>[2]);
    }
  }
}
