// OpenAPI schema of flagger.app/v1beta1 AlertProvider, the source of crds/alertprovider.yaml.
import { obj, str, oneOfStrings, type JSONSchema } from '../schema.js';
import { localRef } from './common.js';
import { ALERT_PROVIDER_TYPES } from '../types.js';

export const alertProviderSchema: JSONSchema = obj(
  {
    apiVersion: str(),
    kind: str(),
    metadata: { type: 'object' },
    spec: obj(
      {
        type: oneOfStrings([...ALERT_PROVIDER_TYPES], 'Type of the chat service'),
        channel: str('Channel (default general)'),
        username: str('Bot user name (default flagger)'),
        address: str('Webhook URL'),
        proxy: str('HTTP/S proxy URL'),
        secretRef: localRef('Secret with address and optionally token'),
      },
      { required: ['type'] },
    ),
    status: obj({}),
  },
  { required: ['spec'], description: 'AlertProvider says where canary notifications go' },
);
