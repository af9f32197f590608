import type { TerminalState } from '../model/job-state.ts'
import type { Trigger } from './trigger.ts'

type DaemonTrigger = Extract<Trigger, { type: 'daemon' }>

/** The daemon trigger's backoff settings, as parsed (defaults applied). */
export type DaemonBackoff = DaemonTrigger['backoff']

/**
 * Delay before restarting a daemon after `consecutiveFailures` short runs in a row:
 * initialMs · 2^(n−1), capped at maxMs, so 1 s, 2 s, 4 s, 8 s … 60 s with the defaults.
 * n = 0 (the run that ended was healthy) also waits initialMs: a daemon never restarts sooner,
 * so even one that exits cleanly at once cannot spin the event loop.
 */
export function daemonRestartDelay(
  { initialMs, maxMs }: Pick<DaemonBackoff, 'initialMs' | 'maxMs'>,
  consecutiveFailures: number,
): number {
  // Capping the exponent keeps 2 ** n finite; 2^40 · 1 ms is already past any maxMs.
  const exponent = Math.min(Math.max(consecutiveFailures - 1, 0), 40)
  return Math.min(maxMs, initialMs * 2 ** exponent)
}

/**
 * Whether a daemon's run that ended in `state` is started again.
 * - always: after any end, including succeeded (a daemon that returns is still wanted running).
 * - on-failure: only after failed or timed_out.
 * - Never after cancelled: someone stopped that run on purpose (cancel, stop, replace).
 * The caller checks first that the schedule itself is still active (not stopping, paused or deleted).
 */
export function shouldRestart(restart: DaemonTrigger['restart'], state: TerminalState): boolean {
  if (state === 'cancelled') return false
  return restart === 'always' || state === 'failed' || state === 'timed_out'
}

/**
 * The consecutive-failure count after a run that lasted `ranForMs`: back to 0 when it stayed up at
 * least `healthyAfterMs` (the crash loop is over), else one more. Counted whatever the end state,
 * since a daemon that keeps exiting "successfully" at once is looping just the same.
 */
export function nextConsecutive(previous: number, ranForMs: number, healthyAfterMs: number): number {
  return ranForMs >= healthyAfterMs ? 0 : previous + 1
}
