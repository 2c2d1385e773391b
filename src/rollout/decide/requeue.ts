// How soon decide() asks to look at a Canary again when nothing else brings it back sooner.

/** How soon to look again while waiting for a Deployment to become ready. */
export const READINESS_POLL_MS = 2_000;
/**
 * How soon to look again at an idle Canary with nothing to do. Watches bring every change (a new
 * revision, ConfigMaps, commands, drift of every generated object: the routing kinds are watched
 * too); this look is a safety net only. Secrets are not watched: the controller looks at a Canary
 * whose target reads Secrets every analysis interval instead (controller/secret-reads.ts). Not the
 * analysis interval: at 1 s, 100 idle Canaries kept a fifth of a core busy, and at 60 s 1,000 of
 * them a sixth (bench/scale.ts).
 */
export const IDLE_RESYNC_MS = 5 * 60_000;
