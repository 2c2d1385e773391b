// The URL paths of the webhooks, shared by the server and the registration.
export const WEBHOOK_PATHS = {
  mutateDeployments: '/mutate/deployments',
  validateFlagger: '/validate/flagger',
  validateOwned: '/validate/owned',
} as const;
