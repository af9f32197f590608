import { Cron } from 'croner'
import { z } from 'zod'
import type { Trigger as ModelTrigger } from '../model/trigger.ts'
import { Duration } from './duration.ts'

/**
 * Shortest interval. Every tick is a store write plus a timer; below 10 ms the scheduler would spend
 * its time re-arming timers (Node clamps them to 1 ms anyway) rather than running jobs.
 */
export const MIN_INTERVAL_MS = 10
/** Longest interval: 31 days covers "monthly"; longer belongs to cron, and stays far below 2^53. */
export const MAX_INTERVAL_MS = 31 * 86_400_000

// One option set for validation and evaluation, so what was accepted is what runs.
const CRON_MODE = '5-or-6-parts'
const CRON_FIELDS = /^(?:\S+\s+){4,5}\S+$/
// croner's nicknames are aliases of 5-field expressions (@hourly = "0 * * * *"), as in Kubernetes.
const CRON_NICKNAME = /^@(?:yearly|annually|monthly|weekly|daily|midnight|hourly)$/i
// IANA names only; rules out the "+01:00" offsets newer ICU versions also accept.
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/

const cron = (expression: string, timezone?: string): Cron =>
  new Cron(expression, { mode: CRON_MODE, ...(timezone === undefined ? {} : { timezone }) })

/** A cron expression: 5 fields, or 6 with seconds first, or a nickname such as @hourly. */
export const CronExpression = z
  .string()
  .trim()
  .superRefine((expression, ctx) => {
    // croner also takes ISO dates and 7 fields (with years); SPEC §6 promises 5 or 6 fields.
    if (!CRON_FIELDS.test(expression) && !CRON_NICKNAME.test(expression)) {
      ctx.addIssue({ code: 'custom', message: 'expected 5 cron fields, or 6 with seconds first' })
      return
    }
    try {
      // No callback: croner only parses and starts no timer.
      if (cron(expression).nextRun() === null) ctx.addIssue({ code: 'custom', message: 'never fires' })
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) })
    }
  })
  .describe('Cron expression: 5 fields, or 6 with seconds first (e.g. "*/5 * * * *", "*/10 * * * * *")')
  // What JSON Schema can say of the refinement: at least one non-blank character.
  .meta({ minLength: 1, pattern: '\\S' })

/** An IANA time zone name, canonicalised ("europe/berlin" → "Europe/Berlin"). */
export const TimeZone = z
  .string()
  .transform((name, ctx) => {
    try {
      if (IANA_NAME.test(name))
        return new Intl.DateTimeFormat(undefined, { timeZone: name }).resolvedOptions().timeZone
    } catch (err) {
      if (!(err instanceof RangeError)) throw err
    }
    ctx.addIssue({ code: 'custom', message: `unknown IANA time zone "${name}" (e.g. UTC, Europe/Berlin)` })
    return z.NEVER
  })
  .describe('IANA time zone name, e.g. "UTC", "Europe/Berlin"')

const EveryMs = z.number().int().min(MIN_INTERVAL_MS).max(MAX_INTERVAL_MS)

/** Input takes `every` (duration string) or `everyMs`; output always carries `everyMs`. */
export const IntervalTrigger = z
  .strictObject({
    type: z.literal('interval'),
    every: Duration.optional(),
    everyMs: EveryMs.optional(),
    mode: z
      .enum(['fixed-rate', 'fixed-delay'])
      .default('fixed-rate')
      .describe('fixed-rate: due at anchor + n·every; fixed-delay: due `every` after the previous run ended'),
  })
  .superRefine(({ every, everyMs }, ctx) => {
    if ((every === undefined) === (everyMs === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['every'], message: 'give exactly one of every or everyMs' })
    } else if (every !== undefined && (every < MIN_INTERVAL_MS || every > MAX_INTERVAL_MS)) {
      ctx.addIssue({
        code: 'custom',
        path: ['every'],
        message: `must be between ${MIN_INTERVAL_MS}ms and 31d`,
      })
    }
  })
  // The refinement above, in JSON Schema (OpenAPI document): exactly one of the two.
  .meta({ oneOf: [{ required: ['every'] }, { required: ['everyMs'] }] })
  .transform(({ every, everyMs, ...rest }) => ({ ...rest, everyMs: (everyMs ?? every) as number }))

/** Fires on a cron expression evaluated in `timezone`. */
export const CronTrigger = z.strictObject({
  type: z.literal('cron'),
  expression: CronExpression,
  timezone: TimeZone.default('UTC').describe('IANA time zone the expression is read in (default UTC)'),
})

const DaemonBackoff = z
  .strictObject({
    initialMs: z.number().int().min(1).max(MAX_INTERVAL_MS).default(1000),
    maxMs: z.number().int().min(1).max(MAX_INTERVAL_MS).default(60_000),
    healthyAfterMs: z
      .number()
      .int()
      .min(0)
      .max(MAX_INTERVAL_MS)
      .default(60_000)
      .describe('A run that stayed up this long resets the backoff to initialMs'),
  })
  .superRefine(({ initialMs, maxMs }, ctx) => {
    if (maxMs < initialMs) ctx.addIssue({ code: 'custom', path: ['maxMs'], message: 'must be ≥ initialMs' })
  })

/** One run at a time, restarted per `restart` with exponential backoff. */
export const DaemonTrigger = z.strictObject({
  type: z.literal('daemon'),
  restart: z.enum(['always', 'on-failure']).default('always'),
  backoff: DaemonBackoff.default({ initialMs: 1000, maxMs: 60_000, healthyAfterMs: 60_000 }),
})

/** SPEC §6 trigger. Parsing its own output gives the same value, so stored triggers re-validate. */
export const Trigger = z.discriminatedUnion('type', [IntervalTrigger, CronTrigger, DaemonTrigger])
export type Trigger = z.infer<typeof Trigger>
// The store keeps model/trigger.ts's shape: a schema change that drifts from it fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const outputIsTheModel: Same<Trigger, ModelTrigger> = true
void outputIsTheModel
/** Trigger as accepted on input (`every` or `everyMs`). */
export type TriggerInput = z.input<typeof Trigger>

/** Where the next fire is measured from; see {@link nextFireAt}. */
export interface FireQuery {
  /** Epoch ms; the result is strictly later. For fixed-delay: when the previous run ended. */
  after: number
  /** Epoch ms of the fixed-rate grid origin: startAt, or the schedule's creation time. */
  anchor: number
}

/**
 * The trigger's next due time (epoch ms) strictly after `after`, ignoring startAt/endAt/maxRuns
 * (see policies.ts), or null when there is none (a daemon, or a cron that never fires again).
 *
 * - fixed-rate: the smallest `anchor + n·everyMs` (n ≥ 0) above `after`, computed from the anchor
 *   rather than the previous due, so slow runs or late timers never accumulate drift.
 * - fixed-delay: `after + everyMs`; the caller passes the time the previous run *ended*.
 * - cron: croner's next run in the trigger's time zone (whole seconds).
 */
export function nextFireAt(trigger: Trigger, { after, anchor }: FireQuery): number | null {
  switch (trigger.type) {
    case 'interval': {
      if (trigger.mode === 'fixed-delay') return after + trigger.everyMs
      if (after < anchor) return anchor
      return anchor + (Math.floor((after - anchor) / trigger.everyMs) + 1) * trigger.everyMs
    }
    case 'cron':
      return cron(trigger.expression, trigger.timezone).nextRun(new Date(after))?.getTime() ?? null
    case 'daemon':
      return null // supervised, not ticked: see daemon.ts
  }
}

/** Up to `n` cron due times (epoch ms) strictly after `after`, ascending; for previews. */
export function cronNextRuns(expression: string, timezone: string, after: number, n: number): number[] {
  return cron(expression, timezone)
    .nextRuns(n, new Date(after))
    .map((d) => d.getTime())
}

/** Up to `n` most recent cron due times (epoch ms) at or before `atOrBefore`, ascending. */
export function cronPreviousRuns(
  expression: string,
  timezone: string,
  atOrBefore: number,
  n: number,
): number[] {
  // croner's previousRuns is strictly before its reference; +1 ms makes `atOrBefore` inclusive.
  return cron(expression, timezone)
    .previousRuns(n, new Date(atOrBefore + 1))
    .map((d) => d.getTime())
    .reverse()
}
