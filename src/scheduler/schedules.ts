import type { Logger } from 'pino'
import type { Clock } from '../clock.ts'
import { createIdGenerator } from '../ids.ts'
import { UnavailableError } from '../jobs/errors.ts'
import type { JobTypeRegistry } from '../jobs/registry.ts'
import type { JobTemplate, SchedulePatch, ScheduleRecord } from '../model/schedule.ts'
import type { TickRecord } from '../model/tick.ts'
import type { ScheduleQuery } from '../store/schedule-store.ts'
import type { Store } from '../store/store.ts'
import type { TickQuery } from '../store/tick-store.ts'
import { type Decide, type Mutation, ScheduleControls, type TriggerResult } from './controls.ts'
import {
  InvalidScheduleInputError,
  ScheduleNameTakenError,
  ScheduleNotFoundError,
  ScheduleStateConflictError,
} from './errors.ts'
import { floorIssue } from './floor.ts'
import type { CreateScheduleInput, PatchScheduleInput } from './input.ts'
import { firstDue } from './policies.ts'
import type { Scheduler } from './scheduler.ts'
import { rescheduledDue } from './timeline.ts'
import type { Trigger } from './trigger.ts'

export interface ScheduleServiceOptions {
  store: Store
  registry: JobTypeRegistry
  scheduler: Scheduler
  clock: Clock
  logger: Logger
  /** JOBVISOR_MIN_INTERVAL_MS: the shortest time a trigger may leave between runs (floor.ts). */
  minIntervalMs: number
}

/** Compare-and-set rounds before a lifecycle call gives up with 503. */
const MAX_ROUNDS = 10

/**
 * The schedules API behind the routes: create, read, change and delete here; pause, resume,
 * trigger and stop in controls.ts. Every write is a compare-and-set on the version read.
 */
export class ScheduleService {
  readonly #o: ScheduleServiceOptions
  readonly #newId = createIdGenerator()
  readonly #controls: ScheduleControls

  constructor(options: ScheduleServiceOptions) {
    this.#o = options
    this.#controls = new ScheduleControls({
      ...options,
      get: (id) => this.get(id),
      mutate: (id, decide) => this.mutate(id, decide),
    })
  }

  /** See {@link ScheduleControls.pause}. */
  pause(id: string): Promise<ScheduleRecord> {
    return this.#controls.pause(id)
  }

  /** See {@link ScheduleControls.resume}. */
  resume(id: string): Promise<ScheduleRecord> {
    return this.#controls.resume(id)
  }

  /** See {@link ScheduleControls.trigger}. */
  trigger(id: string): Promise<TriggerResult> {
    return this.#controls.trigger(id)
  }

  /** See {@link ScheduleControls.stop}. */
  stop(id: string, mode: 'graceful' | 'immediate'): Promise<{ schedule: ScheduleRecord; accepted: boolean }> {
    return this.#controls.stop(id, mode)
  }

  /** SPEC §6 create: first due per policies.ts `firstDue`; 409 on a taken name, 400 on a bad template. */
  async create(input: CreateScheduleInput): Promise<ScheduleRecord> {
    this.#checkTemplate(input.job)
    const now = this.#o.clock.now()
    this.#checkFloor(input.trigger, now)
    const { startAt, endAt, maxRuns } = input
    const nextRunAt = firstDue(input.trigger, { createdAt: now, startAt, endAt, remainingRuns: maxRuns })
    if (nextRunAt === null) {
      throw new InvalidScheduleInputError([{ path: 'endAt', message: 'ends before the first due time' }])
    }
    const stored = await this.#o.store.schedules.insert({
      id: this.#newId(now),
      ...input,
      state: 'active',
      nextRunAt,
      createdAt: now,
      updatedAt: now,
    })
    if (stored === 'name_taken') throw new ScheduleNameTakenError(input.name)
    this.#o.logger.info({ scheduleId: stored.id, name: stored.name, nextRunAt }, 'schedule created')
    this.#emit('schedule:created', stored)
    this.#o.scheduler.noteDue(nextRunAt)
    return stored
  }

  /** The schedule, or ScheduleNotFoundError (404). */
  async get(id: string): Promise<ScheduleRecord> {
    const s = await this.#o.store.schedules.get(id)
    if (!s) throw new ScheduleNotFoundError(id)
    return s
  }

  /** Newest first; see ScheduleStore.list. */
  list(query: ScheduleQuery): Promise<ScheduleRecord[]> {
    return this.#o.store.schedules.list(query)
  }

  /** SPEC §11 tick history, newest first; ScheduleNotFoundError (404) for an unknown schedule. */
  async ticks(id: string, query: Omit<TickQuery, 'scheduleId'>): Promise<TickRecord[]> {
    await this.get(id)
    return this.#o.store.ticks.list({ ...query, scheduleId: id })
  }

  /** Ids of the unfinished runs of each schedule. */
  async activeJobIds(ids: readonly string[]): Promise<Map<string, string[]>> {
    const byId = new Map<string, string[]>(ids.map((id) => [id, []]))
    for (const run of await this.#o.store.schedules.activeRuns(ids))
      if (run.scheduleId !== null) byId.get(run.scheduleId)?.push(run.id)
    return byId
  }

  /**
   * Changes what is given; a new trigger or window recomputes nextRunAt from now. A stopping or
   * stopped schedule is final (409), like a terminal job: create a new one instead.
   */
  async patch(id: string, input: PatchScheduleInput): Promise<ScheduleRecord> {
    if (input.job) this.#checkTemplate(input.job)
    if (input.trigger) this.#checkFloor(input.trigger, this.#o.clock.now())
    const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Omit<
      SchedulePatch,
      'updatedAt' | 'ticks'
    >
    const timing = ['trigger', 'startAt', 'endAt', 'maxRuns'].some((k) => k in given)
    const { after, written } = await this.mutate(id, async (s, now) => {
      this.#assertChangeable(s, 'changed')
      const merged = { ...s, ...given }
      if (merged.startAt !== null && merged.endAt !== null && merged.endAt < merged.startAt)
        throw new InvalidScheduleInputError([{ path: 'endAt', message: 'must not be before startAt' }])
      if (!timing) return { ...given, updatedAt: now }
      const running = (await this.#o.store.schedules.activeRuns([id])).length > 0
      const { due, closed } = rescheduledDue(merged, now, running)
      if (closed) {
        const spent = merged.maxRuns !== null && merged.runCount >= merged.maxRuns
        throw new InvalidScheduleInputError([
          spent
            ? { path: 'maxRuns', message: `the schedule has already made ${merged.runCount} runs` }
            : { path: 'endAt', message: 'no due time is left before endAt' },
        ])
      }
      return { ...given, nextRunAt: due, updatedAt: now }
    })
    if (written) {
      this.#emit('schedule:updated', after)
      this.#o.scheduler.noteDue(after.nextRunAt)
      if (after.nextRunAt === null) await this.#o.scheduler.settler.settle(id)
    }
    return after
  }

  /** Deletes the schedule and cancels its unfinished runs at once; the runs stay, as jobs. */
  async delete(id: string): Promise<void> {
    const s = await this.get(id)
    if (!(await this.#o.store.schedules.delete(id))) throw new ScheduleNotFoundError(id)
    const runs = await this.#o.store.schedules.activeRuns([id])
    await this.#o.scheduler.runs.cancel(runs, 'immediate', 'its schedule was deleted')
    this.#o.logger.info({ scheduleId: id, cancelledRuns: runs.length }, 'schedule deleted')
    this.#emit('schedule:deleted', s)
  }

  /**
   * Reads the schedule, lets `decide` turn it into a patch (or null: no change), and writes it
   * only if nobody wrote in between; otherwise decides again on the fresh copy.
   */
  async mutate(id: string, decide: Decide): Promise<Mutation> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const before = await this.get(id)
      const patch = await decide(before, this.#o.clock.now())
      if (patch === null) return { before, after: before, written: false }
      const after = await this.#o.store.schedules.update(id, before.version, patch)
      if (after === 'name_taken') throw new ScheduleNameTakenError(patch.name ?? before.name)
      if (after) return { before, after, written: true }
    }
    throw new UnavailableError(`schedule ${id} kept changing under this request; try again`, 1)
  }

  #assertChangeable(s: ScheduleRecord, verb: string): void {
    if (s.state === 'stopping' || s.state === 'stopped')
      throw new ScheduleStateConflictError(`schedule ${s.id} is ${s.state} and cannot be ${verb}`, s.state)
  }

  #checkFloor(trigger: Trigger, now: number): void {
    const issue = floorIssue(trigger, this.#o.minIntervalMs, now)
    if (issue) throw new InvalidScheduleInputError([issue])
  }

  /** SPEC §6 job template: checked against its type now, not at its first tick. */
  #checkTemplate(job: JobTemplate): void {
    const type = this.#o.registry.get(job.type)
    if (!type) {
      const known = this.#o.registry.names().join(', ')
      throw new InvalidScheduleInputError([
        { path: 'job.type', message: `unknown job type "${job.type}" (known: ${known})` },
      ])
    }
    const params = type.params.safeParse(job.params)
    if (!params.success) {
      throw new InvalidScheduleInputError(
        params.error.issues.map((i) => ({
          path: ['job', 'params', ...i.path].join('.'),
          message: i.message,
        })),
      )
    }
  }

  #emit(type: 'schedule:created' | 'schedule:updated' | 'schedule:deleted', schedule: ScheduleRecord): void {
    this.#o.scheduler.events.emit('schedule', { type, schedule })
  }
}
