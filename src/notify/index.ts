// Notifications: Slack, MS Teams, Discord, Rocket.Chat and Google Chat, behind one AlertSink.
export { AlertNotifier, type AlertNotifierOptions, type GlobalNotifierConfig, type Delivery } from './alert-notifier.js';
export { alertOf, alertFields, NEW_REVISION_MESSAGE, type Alert, type AlertField, type Severity } from './alert.js';
export { subscribes } from './severity.js';
export { destinationOf, SLACK_POST_MESSAGE_URL } from './provider-destination.js';
export { NOTIFIER_KINDS, notifierKind } from './kinds.js';
export { postJson, type PostJson, type PostOptions } from './post.js';
export type { Destination, OutgoingMessage, NotifierKind } from './destination.js';
