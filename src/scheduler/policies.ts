import type { CatchUp, Overlap } from '../model/policies.ts'
import { cronPreviousRuns, nextFireAt, type Trigger } from './trigger.ts'

/** What the consumer does with one tick. */
export type OverlapDecision =
  | { action: 'fire' }
  | { action: 'skip'; reason: 'overlap' | 'queue-full' }
  | { action: 'replace' }
  | { action: 'enqueue' }

/** Waiting runs the `queue` policy holds (SPEC §6: "at most one waiting"). */
export const MAX_QUEUED_RUNS = 1

/**
 * Decides one tick. `activeRuns`: runs not yet terminal; `queuedRuns`: ticks held by the `queue`
 * policy until they end. `replace` means: cancel the active runs, drop any held tick, then fire.
 */
export function decideOverlap(
  policy: Overlap,
  { activeRuns, queuedRuns }: { activeRuns: number; queuedRuns: number },
): OverlapDecision {
  if (activeRuns === 0 && queuedRuns === 0) return { action: 'fire' }
  switch (policy) {
    case 'skip':
      return { action: 'skip', reason: 'overlap' }
    case 'allow':
      return { action: 'fire' }
    case 'replace':
      return { action: 'replace' }
    case 'queue':
      return queuedRuns >= MAX_QUEUED_RUNS ? { action: 'skip', reason: 'queue-full' } : { action: 'enqueue' }
  }
}

/**
 * Most due times one catch-up fires or lists. An outage of a year on a 1 s interval would
 * otherwise mean 31 million jobs; 100 is Kubernetes CronJob's own missed-schedule limit.
 */
export const MAX_CATCH_UP = 100

/**
 * How late the latest due may be and still count as this tick rather than a missed one. Above timer,
 * event-loop and store latency; far below any real outage. Quartz uses a 60 s "misfire threshold".
 */
export const ON_TIME_TOLERANCE_MS = 1000

/** When a schedule may fire; null fields mean unbounded. */
export interface ScheduleWindow {
  /** Epoch ms; no fire after it (a fire exactly at endAt is allowed). */
  endAt?: number | null
  /** Runs still allowed (maxRuns − runCount); 0 means the schedule is finished. */
  remainingRuns?: number | null
}

/** True when `due` may fire: not after endAt, and runs left. */
export function isWithinWindow(due: number, { endAt, remainingRuns }: ScheduleWindow): boolean {
  return (endAt == null || due <= endAt) && (remainingRuns == null || remainingRuns > 0)
}

/** Grid origin of fixed-rate triggers: startAt when given, else the creation time. */
export const anchorOf = ({ createdAt, startAt }: { createdAt: number; startAt?: number | null }): number =>
  startAt ?? createdAt

/**
 * First due time of a new schedule, or null when its window is already closed.
 * With startAt the first fire is at or after max(startAt, createdAt) (for fixed-rate: the first grid
 * point there, so "every 2s from T" first runs at T, as Kubernetes and Cronicle do). Without startAt
 * it is strictly after createdAt (createdAt + every for intervals, like setInterval). A daemon starts
 * at once, or at startAt.
 */
export function firstDue(
  trigger: Trigger,
  { createdAt, startAt, ...window }: { createdAt: number; startAt?: number | null } & ScheduleWindow,
): number | null {
  const notBefore = startAt == null ? null : Math.max(startAt, createdAt)
  let due: number | null
  if (trigger.type === 'daemon') due = notBefore ?? createdAt
  else if (trigger.type === 'interval' && trigger.mode === 'fixed-delay')
    due = notBefore ?? createdAt + trigger.everyMs
  else
    due = nextFireAt(trigger, {
      after: notBefore === null ? createdAt : notBefore - 1,
      anchor: startAt ?? createdAt,
    })
  return due !== null && isWithinWindow(due, window) ? due : null
}

/** {@link nextFireAt} within the window: null means the schedule is finished (the consumer stops it). */
export function nextDue(
  trigger: Trigger,
  query: { after: number; anchor: number } & ScheduleWindow,
): number | null {
  if (query.remainingRuns != null && query.remainingRuns <= 0) return null
  const due = nextFireAt(trigger, query)
  return due !== null && isWithinWindow(due, query) ? due : null
}

/** A catch-up question: the stored due time, now, and the schedule's grid and window. */
export interface CatchUpQuery extends ScheduleWindow {
  /** The stored next due time (epoch ms); inclusive. */
  nextDueAt: number
  now: number
  anchor: number
}

/**
 * Due times in [nextDueAt, min(now, endAt)], ascending, keeping only the most recent
 * min(MAX_CATCH_UP, remainingRuns). Fixed-delay has no grid, so at most its stored due; a daemon
 * has none (it is restarted, not caught up).
 */
export function missedTicks(trigger: Trigger, q: CatchUpQuery): number[] {
  const upTo = q.endAt == null ? q.now : Math.min(q.now, q.endAt)
  const limit = Math.min(MAX_CATCH_UP, q.remainingRuns ?? MAX_CATCH_UP)
  if (q.nextDueAt > upTo || limit <= 0) return []
  switch (trigger.type) {
    case 'daemon':
      return []
    case 'cron': {
      // On time only the stored due is in range. croner's previousRuns costs ~0.2 ms per item, so
      // listing 100 on every tick (~15 ms) would stall the scheduler: one nextRun tells instead.
      const following = nextFireAt(trigger, { after: q.nextDueAt, anchor: q.anchor })
      if (following === null || following > upTo) return [q.nextDueAt]
      return cronPreviousRuns(trigger.expression, trigger.timezone, upTo, limit).filter(
        (t) => t >= q.nextDueAt,
      )
    }
    case 'interval': {
      if (trigger.mode === 'fixed-delay') return [q.nextDueAt]
      const every = trigger.everyMs
      // Index arithmetic, not iteration: a long outage on a 10 ms grid costs nothing.
      const first = Math.max(0, Math.ceil((q.nextDueAt - q.anchor) / every))
      const last = Math.floor((upTo - q.anchor) / every)
      const dues: number[] = []
      for (let n = Math.max(first, last - limit + 1); n <= last; n++) dues.push(q.anchor + n * every)
      return dues
    }
  }
}

/**
 * Which of `dues` (ascending, from {@link missedTicks}) fire now. The latest due counts as this tick,
 * not a missed one, when it is at most `toleranceMs` old, so every policy fires it. Beyond that:
 * skip → nothing, once → one run (at the latest due) for all of them, all → each (bounded).
 */
export function applyCatchUp(
  policy: CatchUp,
  dues: readonly number[],
  { now, toleranceMs = ON_TIME_TOLERANCE_MS }: { now: number; toleranceMs?: number },
): number[] {
  const latest = dues.at(-1)
  if (latest === undefined) return []
  if (policy === 'all') return dues.slice(-MAX_CATCH_UP)
  if (policy === 'once' || now - latest <= toleranceMs) return [latest]
  return []
}

/** Result of {@link planCatchUp}. */
export interface CatchUpPlan {
  /** Due times to fire now, ascending; each goes through the overlap policy. */
  fire: number[]
  /** Due times passed over, ascending (each a `missed` tick, counted in skippedCount); bounded like `fire`. */
  missed: number[]
  /** Next due time, strictly after `now` (or the unchanged future stored due); null: finished. */
  nextDueAt: number | null
}

/**
 * One wake-up of the scheduler for one interval or cron schedule (daemons are supervised through
 * daemon.ts): what fires now and what is due next. For fixed-delay
 * `nextDueAt` is where the chain resumes when nothing fires; after a fire the consumer replaces it
 * with the run's end + every.
 */
export function planCatchUp(
  trigger: Trigger,
  policy: CatchUp,
  q: CatchUpQuery & { toleranceMs?: number },
): CatchUpPlan {
  if (q.nextDueAt > q.now) return { fire: [], missed: [], nextDueAt: q.nextDueAt }
  const dues = missedTicks(trigger, q)
  const fire = applyCatchUp(policy, dues, q)
  const remainingRuns = q.remainingRuns == null ? null : q.remainingRuns - fire.length
  const nextDueAt = nextDue(trigger, { after: q.now, anchor: q.anchor, endAt: q.endAt, remainingRuns })
  // fire is the latest due (once, skip on time) or all of them: the rest came before it.
  const missed = dues.slice(0, dues.length - fire.length)
  return { fire, missed, nextDueAt }
}

/**
 * The time to actually fire a tick due at `due`: uniform in [due, due + jitterMs). Applied per fire,
 * never to the grid, so jitter cannot accumulate. `random` is injected (Math.random in production).
 */
export function jitteredDue(due: number, jitterMs: number, random: () => number): number {
  if (jitterMs <= 0) return due
  return due + Math.min(Math.floor(random() * jitterMs), jitterMs - 1)
}
