import { availableParallelism } from 'node:os'
import { z } from 'zod'
import { envEntryProblem } from './jobs/types/command-env.ts'
import { DEFAULT_MAX_TICKS } from './model/tick.ts'
import type { Token as AuthToken } from './routes/auth.ts'
import { parseDuration } from './scheduler/duration.ts'
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from './scheduler/trigger.ts'
import type { DbTarget } from './store/open.ts'

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes')
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max)

const Token = z.object({ token: z.string(), role: z.enum(['read', 'write']) }) satisfies z.ZodType<AuthToken>
export type Token = z.infer<typeof Token>

const Tokens = z
  .string()
  .default('')
  .transform((raw, ctx) => {
    const tokens: Token[] = []
    for (const entry of raw
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)) {
      const at = entry.lastIndexOf(':')
      const parsed = Token.safeParse({ token: entry.slice(0, at), role: entry.slice(at + 1) })
      if (at <= 0 || !parsed.success || parsed.data.token.length < 16) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected comma-separated TOKEN:ROLE, role read or write, tokens of 16+ characters',
        })
        return z.NEVER
      }
      tokens.push(parsed.data)
    }
    return tokens
  })

const Retention = z
  .string()
  .default('30d')
  .transform((raw, ctx) => {
    if (raw === 'off') return null
    const ms = parseDuration(raw)
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: 'expected a duration such as 7d or 12h, or off' })
      return z.NEVER
    }
    return ms
  })

const commaList = z
  .string()
  .default('')
  .transform((raw) =>
    raw
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean),
  )

/** Each worker thread is a V8 isolate of its own (~10 MB before user code): the cap catches a typo. */
const MAX_WORKERS = 256
/** One core is left to the event loop, which serves HTTP and every in-process job. */
const defaultWorkers = () => Math.min(Math.max(availableParallelism() - 1, 1), 16)

const URL_SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/

/**
 * `postgres://…`/`postgresql://…` select PostgreSQL; anything else is a SQLite path. A value that
 * starts like another URL (`mysql://…`, `sqlite:…`, `file:…`) is refused: taken as a path it would
 * silently create a folder named after the scheme.
 */
const Db = z
  .string()
  .min(1)
  .default('./data/jobvisor.db')
  .transform((raw, ctx): DbTarget => {
    if (raw === ':memory:') return { kind: 'sqlite', path: raw }
    const scheme = URL_SCHEME.exec(raw)?.[1]?.toLowerCase()
    if (scheme === undefined) return { kind: 'sqlite', path: raw }
    if (
      (scheme === 'postgres' || scheme === 'postgresql') &&
      raw.slice(scheme.length, scheme.length + 3) === '://'
    ) {
      try {
        new URL(raw)
        return { kind: 'postgres', url: raw }
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not a valid postgres:// URL' })
        return z.NEVER
      }
    }
    ctx.addIssue({
      code: 'custom',
      message: `unsupported scheme "${scheme}:": expected a SQLite file path, :memory:, postgres:// or postgresql://`,
    })
    return z.NEVER
  })

/** SPEC §8. Parsed once at start; a bad value stops the process with the variable's name. */
export const Config = z.object({
  JOBVISOR_HOST: z.string().min(1).default('127.0.0.1'),
  JOBVISOR_PORT: int(0, 65535).default(3000),
  JOBVISOR_DB: Db,
  /** PostgreSQL connections in this instance's pool. */
  JOBVISOR_PG_POOL: int(1, 1000).default(10),
  /** Names this instance (GET /v1/instances, a job's `instance`); unique among live instances. */
  JOBVISOR_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'expected 1-100 characters of A-Z a-z 0-9 . _ : -')
    .optional(),
  JOBVISOR_TOKENS: Tokens,
  JOBVISOR_AUTH: z.enum(['on', 'off']).default('on'),
  // 0: an API-only instance (SPEC §10): it serves every route and fires schedules, but runs no jobs.
  JOBVISOR_MAX_CONCURRENCY: int(0, 100_000).default(100),
  JOBVISOR_GRACE_MS: int(0, 3_600_000).default(5000),
  JOBVISOR_SHUTDOWN_GRACE_MS: int(0, 3_600_000).default(10_000),
  JOBVISOR_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  JOBVISOR_LOG_PRETTY: bool.default(false),
  JOBVISOR_RETENTION: Retention,
  JOBVISOR_COMMANDS: commaList,
  /** Names (or `NAME_*` prefixes) a `command` job may set in `env`; none by default (command-env.ts). */
  JOBVISOR_COMMAND_ENV: commaList.superRefine((entries, ctx) => {
    for (const entry of entries) {
      const problem = envEntryProblem(entry)
      if (problem) ctx.addIssue({ code: 'custom', message: problem })
    }
  }),
  JOBVISOR_HTTP_ALLOW_PRIVATE: bool.default(false),
  /** How `command` runs are contained: cgroups when possible (auto), demanded (cgroup), or process groups only. */
  JOBVISOR_COMMAND_CONTAINMENT: z.enum(['auto', 'cgroup', 'group']).default('auto'),
  // 2^31−1 ms: the longest one Node timer can wait (MAX_TIMEOUT_MS).
  JOBVISOR_MAX_TIMEOUT_MS: int(1, 2 ** 31 - 1).optional(),
  JOBVISOR_MAX_QUEUED: int(1, 100_000_000).default(1_000_000),
  // SPEC §8 slow clients: how long a request may take to arrive (headers and body), then 408.
  JOBVISOR_REQUEST_TIMEOUT_MS: int(100, 3_600_000).default(30_000),
  // Shortest time a schedule may leave between runs (scheduler/floor.ts); 10 ms is the hard floor.
  JOBVISOR_MIN_INTERVAL_MS: int(MIN_INTERVAL_MS, MAX_INTERVAL_MS).default(100),
  JOBVISOR_BODY_LIMIT: int(1024, 100 * 1024 * 1024).default(1024 * 1024),
  JOBVISOR_MAX_LOG_LINES: int(1, 1_000_000).default(1000),
  JOBVISOR_LEASE_MS: int(1000, 3_600_000).default(30_000),
  JOBVISOR_METRICS_AUTH: bool.default(false),
  // Requests per minute per token (per address without auth); 0 turns the limit off.
  JOBVISOR_RATE_LIMIT: int(0, 10_000_000).default(0),
  /** Concurrent `GET /v1/events` streams; each holds a socket, a timer and a bounded queue. */
  JOBVISOR_MAX_SSE_STREAMS: int(1, 100_000).default(100),
  // SPEC §9: the user's job-type modules, and the worker threads of `isolation: 'worker'` types.
  JOBVISOR_TYPES: commaList,
  JOBVISOR_WORKERS: int(1, MAX_WORKERS).default(defaultWorkers()),
  /** SPEC §11: tick history kept per schedule; the oldest go as new ones are recorded. */
  JOBVISOR_MAX_TICKS: int(1, 1_000_000).default(DEFAULT_MAX_TICKS),
})
export type Config = z.infer<typeof Config>

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const relevant = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k.startsWith('JOBVISOR_') && v !== ''),
  )
  const parsed = Config.safeParse(relevant)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`)
  }
  return parsed.data
}
