// The AlertProvider types Sluice can deliver to, by `spec.type`.
import type { AlertProviderType } from '../api/types.js';
import type { NotifierKind } from './destination.js';
import { slack } from './slack.js';
import { discord } from './discord.js';
import { rocket } from './rocket.js';
import { msteams } from './msteams.js';
import { gchat } from './gchat.js';

/** One per AlertProvider type the CRD accepts: a type without a notifier does not compile. */
export const NOTIFIER_KINDS: Readonly<Record<AlertProviderType, NotifierKind>> = { slack, discord, rocket, msteams, gchat };

export function notifierKind(type: string): NotifierKind | undefined {
  return Object.hasOwn(NOTIFIER_KINDS, type) ? NOTIFIER_KINDS[type as AlertProviderType] : undefined;
}
