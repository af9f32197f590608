import { describe, expect, it } from 'vitest'
import { UnavailableError } from '../../src/jobs/errors.ts'
import { QueueRoom } from '../../src/jobs/queue-room.ts'
import { buildTestApp } from '../helpers/app.ts'

/** A store count the test controls: `waiting` jobs, answered when `release()` is called. */
function controlledCount(initial = 0) {
  const state = { waiting: initial, calls: 0, pending: [] as (() => void)[] }
  return {
    state,
    countWaiting: () =>
      new Promise<number>((resolve) => {
        state.calls += 1
        const answer = state.waiting // read at the call, as a query would
        state.pending.push(() => resolve(answer))
      }),
    release: () => {
      for (const answer of state.pending.splice(0)) answer()
    },
  }
}

const settled = async (promises: Promise<unknown>[]) => {
  const results = await Promise.allSettled(promises)
  const refused = results.filter((r) => r.status === 'rejected')
  for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(UnavailableError)
  return { accepted: results.length - refused.length, refused: refused.length }
}

describe('QueueRoom: JOBVISOR_MAX_QUEUED is exact (QUALITY S6)', () => {
  it('concurrent creates finding the count stale share one count and never overshoot', async () => {
    const count = controlledCount(15)
    let now = 0
    const room = new QueueRoom({
      maxQueued: 20,
      countWaiting: count.countWaiting,
      now: () => now,
      ttlMs: 1000,
    })
    const reservations = Array.from({ length: 50 }, () => room.reserve(1))
    count.release()
    expect(await settled(reservations)).toEqual({ accepted: 5, refused: 45 })
    expect(count.state.calls).toBe(1)
    now += 10
    await expect(room.reserve(1)).rejects.toBeInstanceOf(UnavailableError)
  })

  it('a new count does not forget creates still being stored, and adds those stored during it', async () => {
    const count = controlledCount(0)
    let now = 0
    const room = new QueueRoom({
      maxQueued: 10,
      countWaiting: count.countWaiting,
      now: () => now,
      ttlMs: 1000,
    })
    const first = room.reserve(6)
    count.release()
    const inFlight = await first // not stored yet: a count now cannot see them
    now = 2000
    const counting = room.reserve(1)
    // Stored while the count runs; the count read 0, before they were written.
    inFlight.settle(6)
    count.release()
    ;(await counting).settle(1)
    expect(await settled([room.reserve(3), room.reserve(1)])).toEqual({ accepted: 1, refused: 1 })
  })

  it('room of a write that failed, or of a job that started at once, is given back', async () => {
    const count = controlledCount(0)
    const room = new QueueRoom({ maxQueued: 2, countWaiting: count.countWaiting, now: () => 0, ttlMs: 1000 })
    const reserving = room.reserve(2)
    count.release()
    ;(await reserving).settle(0)
    const again = await room.reserve(2)
    again.settle(2)
    again.settle(0) // settling twice changes nothing
    await expect(room.reserve(1)).rejects.toBeInstanceOf(UnavailableError)
  })

  it('through the engine: 60 concurrent creates with JOBVISOR_MAX_QUEUED=20 store exactly 20', async () => {
    const { engine, store } = await buildTestApp({ JOBVISOR_MAX_QUEUED: '20' })
    const create = () => engine.create({ type: 'noop', params: {}, priority: 0, delayMs: 3_600_000 })
    const batch = () => engine.createMany([{ type: 'noop', params: {}, priority: 0, delayMs: 3_600_000 }])
    expect(
      await settled([...Array.from({ length: 50 }, create), ...Array.from({ length: 10 }, batch)]),
    ).toEqual({
      accepted: 20,
      refused: 40,
    })
    expect(await store.jobs.countWaiting()).toBe(20)
  })
})
