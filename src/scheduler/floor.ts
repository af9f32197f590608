import { cronNextRuns, type Trigger } from './trigger.ts'

/** Croner fires on whole seconds: no cron expression fires closer together than this. */
const CRON_GRANULARITY_MS = 1000
/** Due times sampled to find a cron's shortest gap: 50 covers a day of an hourly pair like "0,1 0 * * * *". */
const CRON_SAMPLES = 50

export interface FloorIssue {
  path: string
  message: string
}

/**
 * JOBVISOR_MIN_INTERVAL_MS (pure): the shortest time a trigger may leave between two runs. Each run
 * is a store write, a timer and a job; with `overlap: allow` and `catchUp: all` a 10 ms interval
 * made ~100 runs/s, which is a load test, not a schedule. Returns the field at fault, or null.
 * - interval: `every`/`everyMs` (reported as `trigger.every`, which `everyMs` spells in ms);
 * - cron: the shortest gap among its next due times, checked only when the floor exceeds 1 s;
 * - daemon: `backoff.maxMs`, the restart delay a crashing daemon settles at.
 */
export function floorIssue(trigger: Trigger, minIntervalMs: number, now: number): FloorIssue | null {
  const below = (what: string) =>
    `${what}, below the operator's floor of ${minIntervalMs}ms (JOBVISOR_MIN_INTERVAL_MS)`
  switch (trigger.type) {
    case 'interval':
      return trigger.everyMs < minIntervalMs
        ? { path: 'trigger.every', message: below(`every ${trigger.everyMs}ms (every or everyMs) is`) }
        : null
    case 'cron': {
      if (minIntervalMs <= CRON_GRANULARITY_MS) return null
      const due = cronNextRuns(trigger.expression, trigger.timezone, now, CRON_SAMPLES)
      const gap = Math.min(...due.slice(1).map((at, i) => at - (due[i] as number)))
      return gap < minIntervalMs
        ? { path: 'trigger.expression', message: below(`it fires ${gap}ms apart`) }
        : null
    }
    case 'daemon':
      return trigger.backoff.maxMs < minIntervalMs
        ? { path: 'trigger.backoff.maxMs', message: below(`restarts ${trigger.backoff.maxMs}ms apart are`) }
        : null
  }
}
