// Commands a user gives a Canary without editing its spec (GitOps-safe): annotations whose
// value is a token (e.g. a timestamp). A command is pending while its token differs from the
// one recorded in status.commands, so each is carried out exactly once.
import type { Canary } from '../api/types.js';
import type { Commands } from './decision.js';

export const COMMAND_ANNOTATIONS = {
  paused: 'sluice.dev/paused',
  abort: 'sluice.dev/abort',
  promote: 'sluice.dev/promote',
  retry: 'sluice.dev/retry',
} as const;

export function commandsOf(canary: Canary): Commands {
  const annotations = canary.metadata.annotations ?? {};
  const done = canary.status?.commands ?? {};
  const pending = (key: 'abort' | 'promote' | 'retry') => {
    const token = annotations[COMMAND_ANNOTATIONS[key]];
    return token && token !== done[key] ? token : undefined;
  };
  return {
    paused: annotations[COMMAND_ANNOTATIONS.paused] === 'true',
    ...(pending('abort') ? { abort: pending('abort') } : {}),
    ...(pending('promote') ? { promote: pending('promote') } : {}),
    ...(pending('retry') ? { retry: pending('retry') } : {}),
  };
}
