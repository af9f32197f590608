import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino'

/** Paths pino blanks out on every line: credentials must never reach a log (QUALITY S5). */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'token',
  '*.token',
  'config.JOBVISOR_TOKENS',
]

/** The service logger; `destination` (default stdout) lets tests capture lines and check redaction. */
export function createLogger(
  options: { level: string; pretty?: boolean },
  destination?: DestinationStream,
): Logger {
  const config: LoggerOptions = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // Readable output only for `npm run dev`; production stays one JSON object per line.
    ...(options.pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  }
  return destination ? pino(config, destination) : pino(config)
}
