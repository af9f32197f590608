import type { IncomingMessage } from 'node:http'
import { type DestinationStream, type Logger, type LoggerOptions, pino, stdSerializers } from 'pino'
import { redactFields, redactText, redactUrl } from './redact.ts'

/** What the request log keeps of a request (Fastify's request or a raw one). */
interface LoggedRequest {
  method?: string
  url?: string
  host?: string
  ip?: string
  socket?: IncomingMessage['socket']
}

/**
 * SPEC §8 "secrets redacted" (QUALITY S5), through src/redact.ts's one policy rather than pino's
 * fixed `redact` paths, which cannot say "any field whose name looks like a credential":
 * - every call's fields and strings (the `logMethod` hook), job log lines included;
 * - `req`: the URL with credential query parameters redacted (`?access_token=` is logged as
 *   `[redacted]` even when the request is refused), and no headers at all;
 * - `err`: message, stack and own properties (an error may carry a URL or a request's headers).
 */
const serializers = {
  req: (req: LoggedRequest) => ({
    method: req.method,
    url: req.url === undefined ? undefined : redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  }),
  err: (err: unknown) => {
    const serialized = stdSerializers.err(err as Error)
    return serialized !== null && typeof serialized === 'object'
      ? redactFields({ ...serialized })
      : serialized
  },
}

/** The service logger; `destination` (default stdout) lets tests capture lines and check redaction. */
export function createLogger(
  options: { level: string; pretty?: boolean },
  destination?: DestinationStream,
): Logger {
  const config: LoggerOptions = {
    level: options.level,
    serializers,
    hooks: {
      logMethod(args, method) {
        for (let i = 0; i < args.length; i++) {
          const arg: unknown = args[i]
          args[i] = typeof arg === 'string' ? redactText(arg) : redactFields(arg)
        }
        return method.apply(this, args)
      },
    },
    // Readable output only for `npm run dev`; production stays one JSON object per line.
    ...(options.pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  }
  return destination ? pino(config, destination) : pino(config)
}
