import type { JobRecord } from '../model/job.ts'
import type { TerminalState } from '../model/job-state.ts'
import type { ScheduleRecord } from '../model/schedule.ts'
import { daemonRestartDelay, nextConsecutive, shouldRestart } from './daemon.ts'
import { anchorOf, firstDue, nextDue } from './policies.ts'

/**
 * Pure decisions about a schedule's next due time outside the ordinary tick (policies.ts covers
 * that): after a change of its timing, and after its runs have ended.
 */

type Timing = Pick<ScheduleRecord, 'trigger' | 'startAt' | 'endAt' | 'maxRuns' | 'runCount' | 'createdAt'>

const remainingRuns = (s: Pick<ScheduleRecord, 'maxRuns' | 'runCount'>) =>
  s.maxRuns === null ? null : s.maxRuns - s.runCount

/** Whether a trigger's next due is measured from the end of the previous run rather than a clock. */
export const waitsForRunEnd = (trigger: ScheduleRecord['trigger']): boolean =>
  trigger.type === 'daemon' || (trigger.type === 'interval' && trigger.mode === 'fixed-delay')

/**
 * The due time after a create or a PATCH of the timing, at `now`. `running`: a run is active, so a
 * daemon or fixed-delay schedule waits for its end (null) instead. `closed`: no run can ever come.
 * Fixed-rate keeps its grid (anchored at startAt or the creation time); cron and fixed-rate fire
 * at or after now, never for the past.
 */
export function rescheduledDue(
  s: Timing,
  now: number,
  running: boolean,
): { due: number | null; closed: boolean } {
  const window = { endAt: s.endAt, remainingRuns: remainingRuns(s) }
  if (waitsForRunEnd(s.trigger)) {
    if (running) {
      const closed =
        (window.remainingRuns !== null && window.remainingRuns <= 0) || (s.endAt !== null && s.endAt < now)
      return { due: null, closed }
    }
    const due = firstDue(s.trigger, { createdAt: now, startAt: s.startAt, ...window })
    return { due, closed: due === null }
  }
  const due = firstDue(s.trigger, { createdAt: now, startAt: anchorOf(s), ...window })
  return { due, closed: due === null }
}

/** What a schedule does once no run of it is active and nothing else is due. */
export type AfterRuns = { action: 'wait'; nextRunAt: number; daemonFailures?: number } | { action: 'stop' }

/**
 * An active schedule with no next due time and no active run: decide from its last run.
 * - fixed-delay: due `every` after that run ended (SPEC §6); stop when the window is closed.
 * - daemon: restart per `restart` with backoff (SPEC §6), counting short runs in a row.
 * - fixed-rate and cron get here only when their window closed while a run was active: stop.
 */
export function afterRunsEnded(s: ScheduleRecord, last: JobRecord | undefined, now: number): AfterRuns {
  const window = { endAt: s.endAt, remainingRuns: remainingRuns(s) }
  const endedAt = last?.finishedAt ?? now
  const { trigger } = s
  if (trigger.type === 'interval' && trigger.mode === 'fixed-delay') {
    const due = nextDue(trigger, { after: endedAt, anchor: anchorOf(s), ...window })
    return due === null ? { action: 'stop' } : { action: 'wait', nextRunAt: due }
  }
  if (trigger.type !== 'daemon') return { action: 'stop' }
  // No run yet (its first one was cancelled before it was stored, say): start one.
  if (last === undefined) return { action: 'wait', nextRunAt: now }
  if (!shouldRestart(trigger.restart, last.state as TerminalState)) return { action: 'stop' }
  const ranFor = last.startedAt === null ? 0 : endedAt - last.startedAt
  const failures = nextConsecutive(s.daemonFailures, ranFor, trigger.backoff.healthyAfterMs)
  const due = endedAt + daemonRestartDelay(trigger.backoff, failures)
  const open =
    (window.remainingRuns === null || window.remainingRuns > 0) && (s.endAt === null || due <= s.endAt)
  return open ? { action: 'wait', nextRunAt: due, daemonFailures: failures } : { action: 'stop' }
}
