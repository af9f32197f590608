import type { Logger } from 'pino'
import type { JobRecord } from '../model/job.ts'
import type { SchedulePatch, ScheduleRecord } from '../model/schedule.ts'
import type { Store } from '../store/store.ts'
import type { ScheduleEventBus } from './events.ts'
import { anchorOf, decideOverlap, planCatchUp } from './policies.ts'
import type { RunFactory } from './run-factory.ts'
import {
  emitTicks,
  firedTick,
  missedTick,
  overlapSkippedTick,
  queuedTick,
  queueFullTick,
  rejectedTick,
  replacedTick,
} from './ticks.ts'
import { waitsForRunEnd } from './timeline.ts'

/** What firing a tick needs. */
export interface TickDeps {
  store: Store
  runs: RunFactory
  events: ScheduleEventBus
  logger: Logger
  /** Called after a write that leaves the schedule waiting on a run's end, which may already be over. */
  settle(id: string): Promise<void>
  /** When this scheduler started (epoch ms): a missed tick due before it passed while the service was down. */
  startedAt(): number
}

interface Fired {
  job: JobRecord | null
  created: boolean
  dueAt: number
}

/**
 * One wake of one due schedule: catch-up decides which due times fire, the overlap policy what
 * each does, the engine creates the runs, and only then is nextRunAt advanced — a compare-and-set
 * on the value read, so of several writers (instances, a restart re-firing) exactly one records it.
 */
export class TickFirer {
  readonly #d: TickDeps

  constructor(deps: TickDeps) {
    this.#d = deps
  }

  async fire(s: ScheduleRecord, now: number): Promise<void> {
    const expected = s.nextRunAt
    if (expected === null) return
    if (s.trigger.type === 'daemon') return this.#fireDaemon(s, expected, now)
    const remainingRuns = s.maxRuns === null ? null : s.maxRuns - s.runCount
    const plan = planCatchUp(s.trigger, s.catchUp, {
      nextDueAt: expected,
      now,
      anchor: anchorOf(s),
      endAt: s.endAt,
      remainingRuns,
    })
    let active = await this.#d.store.schedules.activeRuns([s.id])
    let pending = s.pendingDueAt
    const fired: Fired[] = []
    const skipped: number[] = []
    // SPEC §11: every due time's fate, in due order, stored with the advance below.
    const ticks = plan.missed.map((due) => missedTick(due, s.catchUp, this.#d.startedAt()))
    for (const due of plan.fire) {
      // A run already made for this tick (fired before a crash, before the advance) is this tick.
      const existing = active.some((run) => run.dueAt === this.#d.runs.startTime(s, due))
      const decision = existing
        ? { action: 'fire' as const }
        : decideOverlap(s.overlap, { activeRuns: active.length, queuedRuns: pending === null ? 0 : 1 })
      if (decision.action === 'skip') {
        skipped.push(due)
        ticks.push(
          decision.reason === 'queue-full' ? queueFullTick(due, active) : overlapSkippedTick(due, active),
        )
        continue
      }
      if (decision.action === 'enqueue') {
        pending = due
        ticks.push(queuedTick(due, active))
        continue
      }
      const replaced = decision.action === 'replace' ? active : []
      if (decision.action === 'replace') {
        await this.#d.runs.cancel(active, 'immediate', 'replaced by a newer run of its schedule')
        active = []
        pending = null
      }
      const run = await this.#tick(s, due)
      if ('rejected' in run) {
        skipped.push(due)
        ticks.push(rejectedTick(due, run.rejected))
        continue
      }
      fired.push(run)
      ticks.push(
        replaced.length > 0 ? replacedTick(run.dueAt, run.job, replaced) : firedTick(run.dueAt, run.job),
      )
      if (run.job && !active.some((a) => a.id === run.job?.id)) active.push(run.job)
    }
    const chainWaits = waitsForRunEnd(s.trigger) && (fired.length > 0 || pending !== null)
    const nextRunAt = chainWaits ? null : plan.nextDueAt
    // Out of window: stop now, or once the last runs (and a held tick) are over (see timeline.ts).
    const finishing = nextRunAt === null && !chainWaits
    const stopNow = finishing && active.length === 0 && pending === null
    const patch: SchedulePatch = {
      nextRunAt,
      pendingDueAt: pending,
      addRuns: fired.length,
      addSkipped: plan.missed.length + skipped.length,
      updatedAt: now,
      ticks,
      ...(fired.length > 0 ? { lastRunAt: fired.at(-1)?.dueAt } : {}),
      ...(stopNow ? { state: 'stopped' as const } : {}),
    }
    const stored = await this.#d.store.schedules.advance(s.id, expected, patch)
    if (!stored) {
      this.#d.logger.debug({ scheduleId: s.id, dueAt: expected }, 'tick recorded by another writer')
      return
    }
    for (const run of fired) {
      if (run.created && run.job)
        this.#d.events.emit('schedule', {
          type: 'schedule:fired',
          schedule: stored,
          jobId: run.job.id,
          dueAt: run.dueAt,
        })
    }
    for (const dueAt of skipped)
      this.#d.events.emit('schedule', { type: 'schedule:skipped', schedule: stored, dueAt })
    emitTicks(this.#d.events, stored, ticks)
    if (stopNow) this.#d.events.emit('schedule', { type: 'schedule:stopped', schedule: stored })
    if (stored.nextRunAt === null && stored.state === 'active') await this.#d.settle(s.id)
  }

  /** SPEC §6 daemon: one run at a time; restarts are decided when a run ends (timeline.ts). */
  async #fireDaemon(s: ScheduleRecord, expected: number, now: number): Promise<void> {
    const active = await this.#d.store.schedules.activeRuns([s.id])
    const open = (s.maxRuns === null || s.runCount < s.maxRuns) && (s.endAt === null || expected <= s.endAt)
    const run = active.length === 0 && open ? await this.#tick(s, expected) : null
    const fired = run !== null && !('rejected' in run) ? run : null
    const rejected = run !== null && 'rejected' in run ? run.rejected : null
    const stopNow = !open && active.length === 0
    const ticks = fired
      ? [firedTick(fired.dueAt, fired.job)]
      : rejected !== null
        ? [rejectedTick(expected, rejected)]
        : open
          ? [overlapSkippedTick(expected, active, 'daemon, one run at a time')]
          : []
    const stored = await this.#d.store.schedules.advance(s.id, expected, {
      nextRunAt: null,
      updatedAt: now,
      ticks,
      ...(fired ? { addRuns: 1, lastRunAt: fired.dueAt } : {}),
      ...(rejected !== null ? { addSkipped: 1 } : {}),
      ...(stopNow ? { state: 'stopped' as const } : {}),
    })
    if (!stored) return
    emitTicks(this.#d.events, stored, ticks)
    if (fired?.created && fired.job)
      this.#d.events.emit('schedule', {
        type: 'schedule:fired',
        schedule: stored,
        jobId: fired.job.id,
        dueAt: fired.dueAt,
      })
    if (stopNow) this.#d.events.emit('schedule', { type: 'schedule:stopped', schedule: stored })
    if (stored.state === 'active') await this.#d.settle(s.id)
  }

  async #tick(s: ScheduleRecord, due: number): Promise<Fired | { rejected: string }> {
    const run = await this.#d.runs.tickOrSkip(s, due)
    return 'rejected' in run ? run : { ...run, dueAt: this.#d.runs.startTime(s, due) }
  }
}
