/**
 * SPEC §6 triggers as stored and evaluated. Only the shapes live here: validating an input takes a
 * cron parser (croner) and the IANA zone data, so the schema that produces these is
 * scheduler/trigger.ts, which checks at compile time that its output is exactly this type.
 */
export interface IntervalTrigger {
  type: 'interval'
  /** fixed-rate: due at anchor + n·every; fixed-delay: due `every` after the previous run ended. */
  mode: 'fixed-rate' | 'fixed-delay'
  everyMs: number
}

export interface CronTrigger {
  type: 'cron'
  /** 5 fields, or 6 with seconds first, or a nickname such as @hourly. */
  expression: string
  /** A canonical IANA zone name. */
  timezone: string
}

export interface DaemonTrigger {
  type: 'daemon'
  restart: 'always' | 'on-failure'
  backoff: { initialMs: number; maxMs: number; healthyAfterMs: number }
}

export type Trigger = IntervalTrigger | CronTrigger | DaemonTrigger
