import type { Logger } from 'pino'
import type { Clock } from '../clock.ts'
import type { JobEvent } from '../jobs/events.ts'
import type { JobRecord } from '../model/job.ts'
import type { ScheduleRecord } from '../model/schedule.ts'
import type { Store } from '../store/store.ts'
import type { ScheduleEventBus } from './events.ts'
import type { RunFactory } from './run-factory.ts'
import { emitTicks, firedTick, rejectedTick } from './ticks.ts'
import { afterRunsEnded } from './timeline.ts'

/** What settling a schedule needs. */
export interface SettleDeps {
  store: Store
  runs: RunFactory
  clock: Clock
  logger: Logger
  events: ScheduleEventBus
  /** Told of every due time this writes, so the scheduler's timer fires no later. */
  noteDue(at: number): void
  /** Run lateness in seconds, for the metrics histogram. */
  observeLateness?: (seconds: number) => void
}

/** Compare-and-set rounds before giving up; each lost round means another writer made progress. */
const MAX_ROUNDS = 10

/**
 * What happens when a schedule's runs end: a stopping schedule becomes stopped, a held tick
 * (overlap=queue) fires, a fixed-delay or daemon schedule gets its next due time. Driven by the
 * engine's job events, and at start by {@link reconcile} for runs that ended while no scheduler
 * was listening (crash, shutdown, another instance).
 */
export class RunSettler {
  readonly #d: SettleDeps
  readonly #inFlight = new Set<Promise<void>>()

  constructor(deps: SettleDeps) {
    this.#d = deps
  }

  /** The engine's job listener: lateness on a run's first start, settling on its end. */
  onJobEvent = ({ type, job, remote }: JobEvent): void => {
    const scheduleId = job.scheduleId
    if (scheduleId === null) return
    // Lateness is recorded by the instance that started the run; a run's end, wherever it ended,
    // may move its schedule on (every settle is a compare-and-set, so instances never both do).
    if (type === 'job:started' && job.attempt === 1 && !remote)
      this.#track(this.#recordLateness(scheduleId, job))
    else if (type === 'job:finished') this.#track(this.settle(scheduleId, job))
  }

  /** Resolves once every handler started so far has finished. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight])
  }

  /** Settles every schedule that waits on runs; those whose runs are still active are left as they are. */
  async reconcile(): Promise<void> {
    for (const s of await this.#d.store.schedules.awaitingRuns()) await this.settle(s.id)
  }

  /**
   * Brings schedule `id` forward if none of its runs is active any more. Safe to call at any time,
   * any number of times: every write is a compare-and-set on the version it read.
   */
  async settle(id: string, ended?: JobRecord): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const s = await this.#d.store.schedules.get(id)
      // Most run ends (a fixed-rate run, say) leave nothing to do: no need to look at the runs.
      if (!s || !awaitsRuns(s)) return
      if ((await this.#d.store.schedules.activeRuns([id])).length > 0) return
      const now = this.#d.clock.now()
      if (await this.#step(s, ended, now)) return
    }
    this.#d.logger.warn(
      { scheduleId: id },
      'schedule kept changing while settling; left for the next run end',
    )
  }

  /** One compare-and-set attempt; true when done (written, or nothing to do). */
  async #step(s: ScheduleRecord, ended: JobRecord | undefined, now: number): Promise<boolean> {
    const { store, events } = this.#d
    if (s.state === 'stopping') {
      const stored = await store.schedules.update(s.id, s.version, {
        state: 'stopped',
        nextRunAt: null,
        pendingDueAt: null,
        updatedAt: now,
      })
      if (stored === undefined) return false
      if (stored !== 'name_taken') events.emit('schedule', { type: 'schedule:stopped', schedule: stored })
      return true
    }
    if (s.pendingDueAt !== null) {
      // Create first, then clear: a lost round finds the run active and leaves it to that run's end,
      // when the same key returns this run and the tick is recorded once.
      const run = await this.#d.runs.tickOrSkip(s, s.pendingDueAt)
      const dueAt = this.#d.runs.startTime(s, s.pendingDueAt)
      const ticks = [
        'rejected' in run
          ? rejectedTick(s.pendingDueAt, run.rejected)
          : firedTick(dueAt, run.job, 'waited for the run before it (overlap queue)'),
      ]
      const stored = await store.schedules.update(s.id, s.version, {
        pendingDueAt: null,
        updatedAt: now,
        ticks,
        ...('rejected' in run ? { addSkipped: 1 } : { addRuns: 1, lastRunAt: dueAt }),
      })
      if (stored === undefined) return false
      if (stored === 'name_taken') return true
      if (!('rejected' in run) && run.created && run.job)
        events.emit('schedule', { type: 'schedule:fired', schedule: stored, jobId: run.job.id, dueAt })
      emitTicks(events, stored, ticks)
      return true
    }
    const last = ended ?? (await store.schedules.lastRun(s.id))
    const next = afterRunsEnded(s, last, now)
    const stored = await store.schedules.update(
      s.id,
      s.version,
      next.action === 'stop'
        ? { state: 'stopped', updatedAt: now }
        : { nextRunAt: next.nextRunAt, daemonFailures: next.daemonFailures, updatedAt: now },
    )
    if (stored === undefined) return false
    if (stored === 'name_taken') return true
    if (next.action === 'wait') this.#d.noteDue(next.nextRunAt)
    events.emit('schedule', {
      type: next.action === 'stop' ? 'schedule:stopped' : 'schedule:updated',
      schedule: stored,
    })
    return true
  }

  async #recordLateness(scheduleId: string, job: JobRecord): Promise<void> {
    if (job.dueAt === null || job.startedAt === null) return
    const latenessMs = job.startedAt - job.dueAt
    this.#d.observeLateness?.(latenessMs / 1000)
    await this.#d.store.schedules.recordLateness(scheduleId, latenessMs, this.#d.clock.now())
  }

  #track(work: Promise<void>): void {
    const p = work.catch((err: unknown) => this.#d.logger.error({ err }, 'schedule run handling failed'))
    this.#inFlight.add(p)
    void p.finally(() => this.#inFlight.delete(p))
  }
}

/** Mirrors ScheduleStore.awaitingRuns: the schedule moves on only once its runs have ended. */
const awaitsRuns = (s: ScheduleRecord): boolean =>
  s.state === 'stopping' || (s.state === 'active' && (s.pendingDueAt !== null || s.nextRunAt === null))
