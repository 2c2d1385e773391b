// Groups of Canary phases that decide() branches on.
import type { CanaryPhase } from '../../api/types.js';

/** Phases in which a rollout is under way and traffic may reach the canary. */
export const ACTIVE: readonly CanaryPhase[] = ['Progressing', 'WaitingPromotion', 'Promoting', 'Finalising'];
/** Phases in which Sluice waits for a new revision. */
export const IDLE: readonly CanaryPhase[] = ['Initialized', 'Succeeded', 'Failed'];
/** Phases in which the canary is analysed, step by step. */
export const ANALYSING: readonly CanaryPhase[] = ['Progressing', 'WaitingPromotion'];
