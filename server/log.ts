/**
 * The server's logger: pino, one JSON object per line on stdout, `level` as its name ("info")
 * and the text under `message` (as the server's lines were before pino). `LOG_LEVEL` picks the
 * least severe level written (default `info`; `silent` writes nothing).
 *
 * @module server/log
 * @see https://getpino.io/#/docs/api
 */
import { type Logger, pino } from 'pino';
import { SetupError } from './startup/setup-error.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function createLogger(level = process.env.LOG_LEVEL || 'info', destination?: pino.DestinationStream): Logger {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new SetupError(`LOG_LEVEL=${level} is not a level: use ${LOG_LEVELS.join(', ')}`);
  }
  return pino(
    {
      level,
      messageKey: 'message',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // Not pino's default (a synchronous write per line): one write(2) per request, and a wake-up
    // of whatever reads the pipe, was 16% of a KV get's CPU (issue 16). Lines written while a
    // write is in flight go out together with the next one; pino flushes what is left at exit.
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
