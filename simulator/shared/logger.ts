/**
 * Structured logging through pino. Every server gets a child logger passed in (no module-level
 * singletons: a broker and many gateways share one process).
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * A logger writing JSON lines to stderr, or to nowhere when `level` is `silent`.
 * @param level pino level name; defaults to `NIR_SIM_LOG_LEVEL` or `info`.
 */
export function createLogger(level: string = process.env['NIR_SIM_LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ level, base: null }, pino.destination({ dest: 2, sync: false }));
}

/** A logger that drops everything (tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
