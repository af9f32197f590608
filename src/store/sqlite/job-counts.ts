import { isTerminal, JobState, TERMINAL_STATES, type TerminalState } from '../../model/job-state.ts'
import type { Stmt } from './job-read.ts'

const TERMINAL_SQL = TERMINAL_STATES.map((s) => `'${s}'`).join(', ')
const ACTIVE_SQL = JobState.options
  .filter((s) => !isTerminal(s))
  .map((s) => `'${s}'`)
  .join(', ')

/**
 * How many jobs are in each terminal state, kept by the writes that change it. Counting them walks
 * the state index — the whole history, ~70 ms a million jobs even idle — and better-sqlite3 runs it
 * on the event loop, so a `/metrics` scrape or the dashboard's counts stalled every timer and
 * socket for that long, more as the history grew (bench P10). The store is this process's alone,
 * so every change passes here: a transition into a terminal state adds one, a delete takes one
 * away, and a write batch that fails (rolled back) drops the counts, so that the next read counts
 * them again. Active states stay counted on each read: there are few of them.
 */
export class TerminalCounts {
  #counts: Record<TerminalState, number> | null = null

  /** A committed-or-rolled-back-together change: `state` gained (`by` 1) or lost (−1) a job. */
  add(state: JobState, by: 1 | -1): void {
    if (this.#counts !== null && isTerminal(state)) this.#counts[state] += by
  }

  /** Unknown from now on (a rolled-back batch, a write that may have left a terminal state). */
  forget(): void {
    this.#counts = null
  }

  read(stmt: Stmt): Record<TerminalState, number> {
    if (this.#counts === null) {
      const counts = Object.fromEntries(TERMINAL_STATES.map((s) => [s, 0])) as Record<TerminalState, number>
      const rows = stmt(
        `SELECT state, COUNT(*) AS n FROM jobs WHERE state IN (${TERMINAL_SQL}) GROUP BY state`,
      ).all() as { state: TerminalState; n: number }[]
      for (const { state, n } of rows) counts[state] = n
      this.#counts = counts
    }
    return { ...this.#counts }
  }
}

export function countJobsByState(stmt: Stmt, terminal: TerminalCounts): Record<JobState, number> {
  const counts = Object.fromEntries(JobState.options.map((s) => [s, 0])) as Record<JobState, number>
  Object.assign(counts, terminal.read(stmt))
  // One index range per active state (jobs_state_id): as many rows as jobs waiting or running.
  const rows = stmt(
    `SELECT state, COUNT(*) AS n FROM jobs WHERE state IN (${ACTIVE_SQL}) GROUP BY state`,
  ).all() as {
    state: JobState
    n: number
  }[]
  for (const { state, n } of rows) counts[state] = n
  return counts
}
