// JSON logs (pino): one line per event, the human sentence in `msg`, context as fields.
import { pino, type Logger } from 'pino';

export type { Logger };

/** Flagger's log levels (zap's) as pino's: "warning" is pino's "warn". */
const LEVELS: Record<string, string> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
  silent: 'silent',
};

/** pino's name of a log level; undefined for one it does not know. */
export function pinoLevel(text: string): string | undefined {
  return LEVELS[text.toLowerCase()];
}

export const log: Logger = pino({
  // An unknown level is refused by the operator's configuration, with the reason; not here, at import.
  level: pinoLevel(process.env.SLUICE_LOG_LEVEL || process.env.LOG_LEVEL || 'info') ?? 'info',
  base: { app: 'sluice' },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
});

/** A child logger for one component, e.g. logger('admission'). */
export function logger(component: string): Logger {
  return log.child({ component });
}
