import { describe, expect, it } from 'vitest'
import type { NewTick } from '../../src/model/tick.ts'
import type { Store } from '../../src/store/store.ts'
import { T0 } from '../helpers/new-job.ts'
import { newSchedule } from './schedule-contract.ts'

const fired = (dueAt: number, jobId = `job-${dueAt}`): NewTick => ({
  dueAt,
  outcome: 'fired',
  reason: null,
  jobId,
})
const skipped = (dueAt: number): NewTick => ({ dueAt, outcome: 'skipped', reason: 'overlap', jobId: null })

/** What every adapter must guarantee about tick history (SPEC §11); `open` takes JOBVISOR_MAX_TICKS. */
export function describeTickContract(name: string, open: (maxTicks: number) => Promise<Store>): void {
  describe(`${name} tick store contract`, () => {
    const withStore = (maxTicks: number, fn: (store: Store) => Promise<void>) => async () => {
      const store = await open(maxTicks)
      try {
        await fn(store)
      } finally {
        await store.close()
      }
    }

    it(
      'ticks are written with the advance that decides them, and only if it wins',
      withStore(100, async (store) => {
        const s = newSchedule()
        await store.schedules.insert(s)
        const patch = { nextRunAt: T0 + 2000, updatedAt: T0 + 1001, ticks: [skipped(T0), fired(T0 + 1000)] }
        expect(await store.schedules.advance(s.id, T0 + 1000, patch)).toBeDefined()
        // Another writer read the same due: its decision, ticks included, is not stored.
        expect(
          await store.schedules.advance(s.id, T0 + 1000, { ...patch, ticks: [fired(T0 + 1000, 'x')] }),
        ).toBe(undefined)
        const ticks = await store.ticks.list({ scheduleId: s.id, limit: 10 })
        expect(ticks).toEqual([
          {
            scheduleId: s.id,
            seq: 2,
            dueAt: T0 + 1000,
            outcome: 'fired',
            reason: null,
            jobId: `job-${T0 + 1000}`,
            recordedAt: T0 + 1001,
          },
          {
            scheduleId: s.id,
            seq: 1,
            dueAt: T0,
            outcome: 'skipped',
            reason: 'overlap',
            jobId: null,
            recordedAt: T0 + 1001,
          },
        ])
      }),
    )

    it(
      'ticks are written with a version compare-and-set, and not when it loses',
      withStore(100, async (store) => {
        const s = newSchedule()
        await store.schedules.insert(s)
        const queued: NewTick = { dueAt: T0, outcome: 'queued', reason: 'waits for run a', jobId: null }
        expect(
          await store.schedules.update(s.id, 1, { pendingDueAt: T0, updatedAt: T0 + 5, ticks: [queued] }),
        ).toMatchObject({
          version: 2,
        })
        expect(
          await store.schedules.update(s.id, 1, { updatedAt: T0 + 6, ticks: [fired(T0)] }),
        ).toBeUndefined()
        expect(
          await store.schedules.update('nope', 1, { updatedAt: T0 + 6, ticks: [fired(T0)] }),
        ).toBeUndefined()
        expect(await store.ticks.list({ scheduleId: s.id, limit: 10 })).toMatchObject([
          { seq: 1, outcome: 'queued', reason: 'waits for run a', recordedAt: T0 + 5 },
        ])
        expect(await store.ticks.list({ scheduleId: 'nope', limit: 10 })).toEqual([])
      }),
    )

    it(
      'lists newest first per schedule, with a keyset cursor on seq',
      withStore(100, async (store) => {
        const [a, b] = [newSchedule(), newSchedule()]
        await store.schedules.insert(a)
        await store.schedules.insert(b)
        for (let i = 0; i < 5; i++) {
          const version = i + 1
          await store.schedules.update(a.id, version, { updatedAt: T0 + i, ticks: [fired(T0 + i)] })
        }
        await store.schedules.update(b.id, 1, { updatedAt: T0, ticks: [skipped(T0)] })
        const page = await store.ticks.list({ scheduleId: a.id, limit: 2 })
        expect(page.map((t) => t.seq)).toEqual([5, 4])
        const rest = await store.ticks.list({ scheduleId: a.id, limit: 10, beforeSeq: 4 })
        expect(rest.map((t) => t.dueAt)).toEqual([T0 + 2, T0 + 1, T0])
        expect((await store.ticks.list({ scheduleId: b.id, limit: 10 })).map((t) => t.outcome)).toEqual([
          'skipped',
        ])
      }),
    )

    it(
      'keeps the newest N per schedule (JOBVISOR_MAX_TICKS), oldest dropped as new ones come',
      withStore(3, async (store) => {
        const [a, b] = [newSchedule(), newSchedule()]
        await store.schedules.insert(a)
        await store.schedules.insert(b)
        await store.schedules.update(b.id, 1, { updatedAt: T0, ticks: [skipped(T0)] })
        await store.schedules.advance(a.id, T0 + 1000, {
          nextRunAt: T0 + 2000,
          updatedAt: T0,
          ticks: [1, 2, 3, 4].map((i) => fired(T0 + i)),
        })
        await store.schedules.advance(a.id, T0 + 2000, {
          nextRunAt: T0 + 3000,
          updatedAt: T0,
          ticks: [fired(T0 + 5)],
        })
        const kept = await store.ticks.list({ scheduleId: a.id, limit: 10 })
        expect(kept.map((t) => [t.seq, t.dueAt])).toEqual([
          [5, T0 + 5],
          [4, T0 + 4],
          [3, T0 + 3],
        ])
        // Another schedule's history is its own.
        expect(await store.ticks.list({ scheduleId: b.id, limit: 10 })).toHaveLength(1)
      }),
    )

    it(
      'a schedule takes its ticks with it when deleted',
      withStore(100, async (store) => {
        const [a, b] = [newSchedule(), newSchedule()]
        await store.schedules.insert(a)
        await store.schedules.insert(b)
        await store.schedules.update(a.id, 1, { updatedAt: T0, ticks: [fired(T0), skipped(T0 + 1)] })
        await store.schedules.update(b.id, 1, { updatedAt: T0, ticks: [fired(T0)] })
        expect(await store.schedules.delete(a.id)).toBe(true)
        expect(await store.ticks.list({ scheduleId: a.id, limit: 10 })).toEqual([])
        expect(await store.ticks.list({ scheduleId: b.id, limit: 10 })).toHaveLength(1)
      }),
    )
  })
}
