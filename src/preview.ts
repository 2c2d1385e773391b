// `import { CanaryPreview } from 'sluice/preview'`: the objects Sluice would apply for a Canary at a
// given weight, rendered into the user's chart by the synthesis the controller runs.
export { CanaryPreview, type CanaryPreviewProps } from './library/canary-preview.js';
