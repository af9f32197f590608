import { pino } from 'pino'
import { afterEach } from 'vitest'
import { z } from 'zod'
import { defineJobType } from '../../src/jobs/define.ts'
import { JobEngine } from '../../src/jobs/engine.ts'
import { JobTypeRegistry } from '../../src/jobs/registry.ts'
import type { JobRecord } from '../../src/model/job.ts'
import { CreateScheduleInput } from '../../src/scheduler/input.ts'
import { Scheduler, type SchedulerOptions } from '../../src/scheduler/scheduler.ts'
import { ScheduleService } from '../../src/scheduler/schedules.ts'
import { openSqlite } from '../../src/store/sqlite/index.ts'
import { FakeClock } from './clock.ts'

const schedulers: Scheduler[] = []
const engines: { engine: JobEngine; clock: FakeClock; close(): Promise<void> }[] = []
afterEach(async () => {
  // SPEC §8 order: no more firing, then drain, then close the store.
  await Promise.all(schedulers.splice(0).map((s) => s.stop()))
  for (const { engine, clock, close } of engines.splice(0)) {
    let drained = false
    const drain = engine.drain(0).then(() => {
      drained = true
    })
    // The drain's grace timers run on the fake clock: move it until they have fired.
    while (!drained) await clock.advanceAsync(100)
    await drain
    await close()
  }
})

/**
 * Engine, scheduler and schedules API on an in-memory SQLite store and a FakeClock, wired as
 * service.ts wires them but without HTTP (route tests cover that), with job types whose run time is
 * fake time too: `work` runs `ms`, returns early on stopSignal, rejects on abort;
 * `fail: true` makes it fail at the end.
 */
export async function buildScheduling(options: { random?: SchedulerOptions['random'] } = {}) {
  const clock = new FakeClock()
  const registry = new JobTypeRegistry()
  registry.register(
    defineJobType({
      name: 'work',
      description: 'Runs for `ms` of fake time',
      params: z.object({ ms: z.number().int().min(0).default(0), fail: z.boolean().default(false) }),
      async run({ ms, fail }, ctx) {
        await new Promise<void>((resolve, reject) => {
          const timer = clock.setTimeout(resolve, ms)
          ctx.signal.addEventListener('abort', () => {
            clock.clearTimeout(timer)
            reject(ctx.signal.reason)
          })
          ctx.stopSignal.addEventListener('abort', () => {
            clock.clearTimeout(timer)
            resolve()
          })
        })
        if (fail) throw new Error('work failed')
        return null
      },
    }),
  )
  const store = await openSqlite(':memory:')
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
  const engine = new JobEngine({
    store,
    registry,
    clock,
    logger,
    owner: 'test',
    instance: 'test-instance',
    maxConcurrency: 100,
    graceMs: 100,
    maxTimeoutMs: null,
    leaseMs: 30_000,
    maxLogLinesPerJob: 100,
    maxResultBytes: 1024 * 1024,
    maxQueued: 100_000,
  })
  engines.push({ engine, clock, close: () => store.close() })
  await engine.start()

  async function startScheduler() {
    const next = new Scheduler({ store, engine, clock, logger, random: options.random })
    const nextSchedules = new ScheduleService({
      store,
      registry,
      scheduler: next,
      clock,
      logger,
      minIntervalMs: 10,
    })
    schedulers.push(next)
    await next.start()
    return { scheduler: next, schedules: nextSchedules }
  }
  let { scheduler, schedules } = await startScheduler()

  const h = {
    clock,
    store,
    engine,
    get scheduler() {
      return scheduler
    },
    get schedules() {
      return schedules
    },
    /** Moves fake time on, letting every timer's async work finish before the next timer. */
    advance: (ms: number) => clock.advanceAsync(ms),
    /** A schedule from SPEC §6 input (defaults applied by the same schema as the API). */
    create: (input: Record<string, unknown>) => schedules.create(CreateScheduleInput.parse(input)),
    get: (id: string) => schedules.get(id),
    /** Runs of a schedule, oldest first. */
    runs: async (id: string): Promise<JobRecord[]> =>
      (await store.jobs.list({ scheduleId: id, limit: 10_000 })).reverse(),
    /** The process goes down: no scheduler for a while; the store and engine stay. */
    stopScheduler: () => scheduler.stop(),
    /** A new scheduler on the same store, as after a restart. */
    async startScheduler() {
      ;({ scheduler, schedules } = await startScheduler())
      await clock.advanceAsync(0)
    },
    /** A second instance's scheduler sharing this store and engine. */
    startedScheduler: startScheduler,
  }
  await clock.advanceAsync(0)
  return h
}

export type Scheduling = Awaited<ReturnType<typeof buildScheduling>>

/** `dueAt` of each run, relative to `origin`. */
export const dueOffsets = (runs: readonly JobRecord[], origin: number) =>
  runs.map((r) => (r.dueAt ?? 0) - origin)
/** `startedAt` of each run, relative to `origin`. */
export const startOffsets = (runs: readonly JobRecord[], origin: number) =>
  runs.map((r) => (r.startedAt ?? 0) - origin)
