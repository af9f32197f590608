import { type Logger, pino } from 'pino'

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

export function createLogger(options: { level: string; pretty?: boolean }): Logger {
  return pino({
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // Readable output only for `npm run dev`; production stays one JSON object per line.
    ...(options.pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  })
}
