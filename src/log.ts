// JSON logs (pino): one line per event, the human sentence in `msg`, context as fields.
import { pino, type Logger } from 'pino';

export type { Logger };

export const log: Logger = pino({
  level: process.env.SLUICE_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info',
  base: { app: 'sluice' },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
});

/** A child logger for one component, e.g. logger('admission'). */
export function logger(component: string): Logger {
  return log.child({ component });
}
