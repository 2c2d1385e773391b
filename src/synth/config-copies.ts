// `<name>-primary` copies of the ConfigMaps and Secrets the target uses. The primary reads the
// copies, so editing a ConfigMap starts a canary analysis instead of changing production at once;
// promotion refreshes the copies.
import { ApiObject, type OwnerReference } from 'cdk8s';
import { Construct } from 'constructs';
import type { ConfigJson } from './kube-json.js';
import { primaryName } from './names.js';
import { withoutForeignKeys } from './ownership.js';

export interface ConfigCopiesProps {
  /** The tracked configs, in the order to apply them. */
  readonly configs: readonly ConfigJson[];
  readonly namespace: string;
  readonly ownerReferences?: OwnerReference[];
}

/** Payload fields of ConfigMaps and Secrets; metadata is rebuilt, status-like fields are not copied. */
const PAYLOAD_FIELDS = ['type', 'data', 'binaryData', 'stringData', 'immutable'] as const;

export class ConfigCopies extends Construct {
  readonly apiObjects: ApiObject[];

  constructor(scope: Construct, id: string, props: ConfigCopiesProps) {
    super(scope, id);
    this.apiObjects = props.configs.map((config) => {
      const payload: Record<string, unknown> = {};
      for (const field of PAYLOAD_FIELDS) {
        if (config[field] !== undefined) payload[field] = structuredClone(config[field]);
      }
      const name = primaryName(config.metadata.name!);
      return new ApiObject(this, `${config.kind}-${name}`, {
        apiVersion: 'v1',
        kind: config.kind,
        metadata: {
          name,
          namespace: props.namespace,
          labels: withoutForeignKeys(config.metadata.labels),
          annotations: withoutForeignKeys(config.metadata.annotations),
          ownerReferences: props.ownerReferences,
        },
        ...payload,
      });
    });
  }
}
