import type { Logger } from 'pino'
import type { JobRecord } from '../model/job.ts'
import type { SchedulePatch, ScheduleRecord } from '../model/schedule.ts'
import type { NewTick } from '../model/tick.ts'
import type { Store } from '../store/store.ts'
import { ScheduleOverlapError, ScheduleStateConflictError } from './errors.ts'
import type { ScheduleEventName } from './events.ts'
import { decideOverlap, type OverlapDecision } from './policies.ts'
import type { Scheduler } from './scheduler.ts'
import { emitTicks, manualTick, queuedTick } from './ticks.ts'

/** Turns the schedule as read into a patch, or null for no change. */
export type Decide = (s: ScheduleRecord, now: number) => SchedulePatch | null | Promise<SchedulePatch | null>

/** Result of a compare-and-set loop over one schedule. */
export interface Mutation {
  before: ScheduleRecord
  after: ScheduleRecord
  /** False when the decision was to change nothing. */
  written: boolean
}

/** What the controls need of the service around them. */
export interface ControlDeps {
  store: Store
  scheduler: Scheduler
  logger: Logger
  get(id: string): Promise<ScheduleRecord>
  mutate(id: string, decide: Decide): Promise<Mutation>
}

/** Result of a manual trigger: a run now, or (overlap=queue) one held until the active run ends. */
export type TriggerResult = { job: JobRecord; queued: false } | { job: null; queued: true }

const conflict = (s: ScheduleRecord, what: string) =>
  new ScheduleStateConflictError(`schedule ${s.id} is ${s.state} and cannot be ${what}`, s.state)

/**
 * SPEC §5 pause, resume, trigger and stop. Pause and resume leave running runs alone; stop
 * cancels them (gracefully: stopSignal, then `stopped` once they end).
 */
export class ScheduleControls {
  readonly #d: ControlDeps

  constructor(deps: ControlDeps) {
    this.#d = deps
  }

  /** Stops firing; nextRunAt is kept as where catch-up starts on resume. Pausing twice is a no-op. */
  async pause(id: string): Promise<ScheduleRecord> {
    const m = await this.#d.mutate(id, (s, now) => {
      if (s.state === 'stopping' || s.state === 'stopped') throw conflict(s, 'paused')
      return s.state === 'paused' ? null : { state: 'paused', updatedAt: now }
    })
    if (m.written) this.#emit('schedule:paused', m.after)
    return m.after
  }

  /** Fires again; ticks missed while paused go through the catch-up policy at the next wake. */
  async resume(id: string): Promise<ScheduleRecord> {
    const m = await this.#d.mutate(id, async (s, now) => {
      if (s.state === 'stopping' || s.state === 'stopped') throw conflict(s, 'resumed')
      if (s.state === 'active') return null
      // A daemon whose run ended while paused starts again now (rather than after a backoff).
      const idleDaemon =
        s.trigger.type === 'daemon' &&
        s.nextRunAt === null &&
        (await this.#d.store.schedules.activeRuns([id])).length === 0
      return { state: 'active', updatedAt: now, ...(idleDaemon ? { nextRunAt: now } : {}) }
    })
    if (!m.written) return m.after
    this.#emit('schedule:resumed', m.after)
    this.#d.scheduler.noteDue(m.after.nextRunAt)
    // A fixed-delay run or a held tick may have ended or come due while paused.
    await this.#d.scheduler.settler.settle(id)
    return this.#d.get(id)
  }

  /**
   * Fires now, whatever the trigger (a paused schedule too: pausing stops the clock, not the
   * operator). The overlap policy applies; a daemon keeps one run at a time, so unless its
   * overlap is `replace` a running daemon turns the trigger away. 409 when the policy skips.
   */
  async trigger(id: string): Promise<TriggerResult> {
    const { store, scheduler } = this.#d
    const s = await this.#d.get(id)
    if (s.state === 'stopping' || s.state === 'stopped') throw conflict(s, 'triggered')
    if (s.maxRuns !== null && s.runCount >= s.maxRuns)
      throw new ScheduleStateConflictError(`schedule ${id} has made all of its ${s.maxRuns} runs`, s.state)
    const active = await store.schedules.activeRuns([id])
    const decision: OverlapDecision =
      s.trigger.type !== 'daemon'
        ? decideOverlap(s.overlap, { activeRuns: active.length, queuedRuns: s.pendingDueAt === null ? 0 : 1 })
        : active.length === 0
          ? { action: 'fire' }
          : s.overlap === 'replace'
            ? { action: 'replace' }
            : { action: 'skip', reason: 'overlap' }
    if (decision.action === 'skip') {
      const why =
        decision.reason === 'queue-full' ? 'a run is already queued behind it' : `overlap is ${s.overlap}`
      throw new ScheduleOverlapError(`schedule ${id} has a run in progress and ${why}`, active[0])
    }
    if (decision.action === 'enqueue') return this.#enqueue(id, active)
    const replaced = decision.action === 'replace' ? active : []
    if (decision.action === 'replace')
      await scheduler.runs.cancel(active, 'immediate', 'replaced by a manual run')
    const job = await scheduler.runs.manual(s)
    const ticks = [manualTick(job.dueAt ?? job.createdAt, job, replaced)]
    const m = await this.#d.mutate(id, (cur, now) => {
      const spent = cur.maxRuns !== null && cur.runCount + 1 >= cur.maxRuns
      // A daemon's manual run is its one run: a pending restart is moot.
      const clear = spent || cur.trigger.type === 'daemon'
      return {
        addRuns: 1,
        lastRunAt: job.dueAt,
        updatedAt: now,
        ticks,
        ...(clear ? { nextRunAt: null } : {}),
      }
    })
    scheduler.events.emit('schedule', {
      type: 'schedule:fired',
      schedule: m.after,
      jobId: job.id,
      dueAt: job.dueAt ?? undefined,
    })
    emitTicks(scheduler.events, m.after, ticks)
    return { job, queued: false }
  }

  async #enqueue(id: string, active: readonly JobRecord[]): Promise<TriggerResult> {
    let ticks: NewTick[] = []
    const m = await this.#d.mutate(id, (s, now) => {
      if (s.pendingDueAt !== null)
        throw new ScheduleOverlapError(`schedule ${id} already has a run queued behind the active one`, null)
      ticks = [queuedTick(now, active, true)]
      return { pendingDueAt: now, updatedAt: now, ticks }
    })
    this.#emit('schedule:updated', m.after)
    emitTicks(this.#d.scheduler.events, m.after, ticks)
    // The active run may have ended while this was being written.
    await this.#d.scheduler.settler.settle(id)
    return { job: null, queued: true }
  }

  /**
   * No further runs. graceful: runs get stopSignal and the schedule is `stopping` until they end
   * (`accepted: true`, like a job's 202); immediate: runs are cancelled and it is `stopped` now.
   * Stopping a stopped schedule is a 409, like cancelling a finished job.
   */
  async stop(
    id: string,
    mode: 'graceful' | 'immediate',
  ): Promise<{ schedule: ScheduleRecord; accepted: boolean }> {
    const m = await this.#d.mutate(id, (s, now) => {
      if (s.state === 'stopped') throw conflict(s, 'stopped again')
      if (s.state === 'stopping' && mode === 'graceful') return null
      const state = mode === 'graceful' ? 'stopping' : 'stopped'
      return { state, nextRunAt: null, pendingDueAt: null, updatedAt: now }
    })
    const runs = await this.#d.store.schedules.activeRuns([id])
    await this.#d.scheduler.runs.cancel(runs, mode, 'its schedule was stopped')
    if (m.written) {
      this.#d.logger.info({ scheduleId: id, mode, runs: runs.length }, 'schedule stopped')
      this.#emit(m.after.state === 'stopping' ? 'schedule:stopping' : 'schedule:stopped', m.after)
    }
    if (mode === 'immediate') return { schedule: m.after, accepted: false }
    await this.#d.scheduler.settler.settle(id)
    const now = await this.#d.get(id)
    return { schedule: now, accepted: now.state === 'stopping' }
  }

  #emit(type: ScheduleEventName, schedule: ScheduleRecord): void {
    this.#d.scheduler.events.emit('schedule', { type, schedule })
  }
}
