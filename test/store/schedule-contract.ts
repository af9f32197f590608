import { expect, it } from 'vitest'
import type { NewJob } from '../../src/model/job.ts'
import type { NewSchedule } from '../../src/model/schedule.ts'
import type { Store } from '../../src/store/store.ts'

const T0 = 1_800_000_000_000
let seq = 0
/** A valid schedule row, unique id and name each call (the tick contract uses it too). */
export const newSchedule = (overrides: Partial<NewSchedule> = {}): NewSchedule => {
  seq++
  return {
    id: `01SCHED${String(seq).padStart(19, '0')}`,
    name: `s${seq}`,
    trigger: { type: 'interval', everyMs: 1000, mode: 'fixed-rate' },
    job: { type: 'noop', params: {}, priority: 0 },
    overlap: 'skip',
    catchUp: 'skip',
    jitterMs: 0,
    startAt: null,
    endAt: null,
    maxRuns: null,
    state: 'active',
    nextRunAt: T0 + 1000,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

/**
 * ScheduleStore guarantees; called from describeStoreContract so every adapter runs them
 * (`newJob` passed in rather than imported, to keep the two files free of an import cycle).
 */
export function scheduleStoreCases(
  withStore: (fn: (store: Store) => Promise<void>) => () => Promise<void>,
  newJob: (overrides?: Partial<NewJob>) => NewJob,
): void {
  it(
    'schedules: insert, get, unique names, and the stored documents round-trip',
    withStore(async (store) => {
      const s = newSchedule({
        trigger: { type: 'cron', expression: '*/5 * * * *', timezone: 'Europe/Berlin' },
      })
      const stored = await store.schedules.insert(s)
      expect(stored).toMatchObject({ ...s, version: 1, runCount: 0, skippedCount: 0, pendingDueAt: null })
      expect(await store.schedules.get(s.id)).toEqual(stored)
      expect(await store.schedules.insert(newSchedule({ name: s.name }))).toBe('name_taken')
      expect(await store.schedules.get('nope')).toBeUndefined()
    }),
  )

  it(
    'schedules: list newest first, by state, with a keyset cursor',
    withStore(async (store) => {
      const [a, b, c] = [newSchedule(), newSchedule({ state: 'paused' }), newSchedule()]
      for (const s of [a, b, c]) await store.schedules.insert(s)
      expect((await store.schedules.list({ limit: 2 })).map((s) => s.id)).toEqual([c.id, b.id])
      expect((await store.schedules.list({ limit: 10, beforeId: b.id })).map((s) => s.id)).toEqual([a.id])
      expect((await store.schedules.list({ limit: 10, states: ['paused'] })).map((s) => s.id)).toEqual([b.id])
    }),
  )

  it(
    'schedules: due and nextRunAt look at active schedules only, earliest first',
    withStore(async (store) => {
      const late = newSchedule({ nextRunAt: T0 + 300 })
      const early = newSchedule({ nextRunAt: T0 + 100 })
      const paused = newSchedule({ nextRunAt: T0, state: 'paused' })
      const waiting = newSchedule({ nextRunAt: null })
      for (const s of [late, early, paused, waiting]) await store.schedules.insert(s)
      expect((await store.schedules.due(T0 + 300, 10)).map((s) => s.id)).toEqual([early.id, late.id])
      expect((await store.schedules.due(T0 + 300, 1)).map((s) => s.id)).toEqual([early.id])
      expect(await store.schedules.due(T0 + 99, 10)).toEqual([])
      expect(await store.schedules.nextRunAt()).toBe(T0 + 100)
      expect(await store.schedules.nextRunAt([early.id])).toBe(T0 + 300)
      expect(await store.schedules.nextRunAt([early.id, late.id])).toBeNull()
    }),
  )

  it(
    'schedules: advance is a compare-and-set on nextRunAt; counters are increments',
    withStore(async (store) => {
      const s = newSchedule()
      await store.schedules.insert(s)
      const patch = {
        nextRunAt: T0 + 2000,
        lastRunAt: T0 + 1000,
        addRuns: 1,
        addSkipped: 2,
        updatedAt: T0 + 1000,
      }
      const advanced = await store.schedules.advance(s.id, T0 + 1000, patch)
      expect(advanced).toMatchObject({ nextRunAt: T0 + 2000, runCount: 1, skippedCount: 2, version: 2 })
      // A second writer that read the same due loses.
      expect(await store.schedules.advance(s.id, T0 + 1000, patch)).toBeUndefined()
      expect((await store.schedules.get(s.id))?.runCount).toBe(1)
    }),
  )

  it(
    'schedules: update is a compare-and-set on version; lateness leaves the version alone',
    withStore(async (store) => {
      const s = newSchedule()
      const other = newSchedule()
      await store.schedules.insert(s)
      await store.schedules.insert(other)
      const paused = await store.schedules.update(s.id, 1, {
        state: 'paused',
        pendingDueAt: T0,
        updatedAt: T0 + 1,
      })
      expect(paused).toMatchObject({ state: 'paused', pendingDueAt: T0, version: 2 })
      expect(await store.schedules.update(s.id, 1, { state: 'active', updatedAt: T0 + 2 })).toBeUndefined()
      expect(await store.schedules.update(s.id, 2, { name: other.name, updatedAt: T0 + 2 })).toBe(
        'name_taken',
      )
      await store.schedules.recordLateness(s.id, 7, T0 + 3)
      expect(await store.schedules.get(s.id)).toMatchObject({ lastLatenessMs: 7, version: 2 })
      // null clears; an absent field is left as it is.
      expect(await store.schedules.update(s.id, 2, { pendingDueAt: null, updatedAt: T0 + 4 })).toMatchObject({
        pendingDueAt: null,
        state: 'paused',
      })
      expect(await store.schedules.update('nope', 1, { updatedAt: T0 })).toBeUndefined()
    }),
  )

  it(
    'schedules: awaitingRuns lists stopping ones, held ticks and active ones without a due time',
    withStore(async (store) => {
      const stopping = newSchedule({ state: 'stopping', nextRunAt: null })
      const waiting = newSchedule({ nextRunAt: null })
      const ticking = newSchedule()
      const paused = newSchedule({ state: 'paused', nextRunAt: null })
      for (const s of [stopping, waiting, ticking, paused]) await store.schedules.insert(s)
      const held = newSchedule()
      await store.schedules.insert(held)
      await store.schedules.update(held.id, 1, { pendingDueAt: T0, updatedAt: T0 })
      const ids = (await store.schedules.awaitingRuns()).map((s) => s.id).sort()
      expect(ids).toEqual([stopping.id, waiting.id, held.id].sort())
    }),
  )

  it(
    'schedules: activeRuns are the unfinished runs of each schedule; lastRun is the newest; delete',
    withStore(async (store) => {
      const [s, other] = [newSchedule(), newSchedule()]
      await store.schedules.insert(s)
      await store.schedules.insert(other)
      const done = newJob({ scheduleId: s.id, dueAt: T0 })
      const running = newJob({ scheduleId: s.id, dueAt: T0 + 1000 })
      const delayed = newJob({ scheduleId: s.id, state: 'scheduled', runAt: T0 + 5000, dueAt: T0 + 2000 })
      const foreign = newJob({ scheduleId: other.id })
      await store.jobs.insertMany([done, running, delayed, foreign])
      await store.jobs.transition(done.id, ['queued'], { state: 'succeeded', finishedAt: T0, updatedAt: T0 })
      const active = await store.schedules.activeRuns([s.id])
      expect(active.map((j) => j.id)).toEqual([running.id, delayed.id])
      expect((await store.schedules.activeRuns([s.id, other.id])).map((j) => j.id)).toContain(foreign.id)
      expect((await store.schedules.lastRun(s.id))?.id).toBe(delayed.id)
      expect(await store.schedules.delete(s.id)).toBe(true)
      expect(await store.schedules.delete(s.id)).toBe(false)
      // Runs outlive their schedule (SPEC §5 DELETE).
      expect((await store.jobs.get(running.id))?.scheduleId).toBe(s.id)
    }),
  )
}
