import { describe, expect, it } from 'vitest'
import { REFERENCE_TIME } from '../helpers/clock.ts'
import { buildScheduling, dueOffsets } from '../helpers/scheduling.ts'

const T0 = REFERENCE_TIME

describe('one bad schedule never stops the scheduler', () => {
  it('a store error on one schedule is retried a second later; the others fire on time', async () => {
    const h = await buildScheduling()
    const bad = await h.create({
      name: 'bad',
      trigger: { type: 'interval', every: '1s' },
      job: { type: 'work' },
      overlap: 'allow',
      catchUp: 'all',
    })
    const good = await h.create({
      name: 'good',
      trigger: { type: 'interval', every: '1s' },
      job: { type: 'work' },
    })
    const advance = h.store.schedules.advance.bind(h.store.schedules)
    let failures = 0
    h.store.schedules.advance = async (id, expected, patch) => {
      if (id === bad.id && failures < 2) {
        failures++
        throw new Error('disk I/O error')
      }
      return advance(id, expected, patch)
    }
    await h.advance(4000)
    expect(dueOffsets(await h.runs(good.id), T0)).toEqual([1000, 2000, 3000, 4000])
    // Failed at 1 s and 2 s (the run was made, the advance failed); the retries found the run made.
    expect(dueOffsets(await h.runs(bad.id), T0)).toEqual([1000, 2000, 3000, 4000])
    expect(await h.get(bad.id)).toMatchObject({ runCount: 4, nextRunAt: T0 + 5000 })
  })

  it('a template its type no longer accepts skips each tick, loudly, and the schedule goes on', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'orphan',
      trigger: { type: 'interval', every: '1s' },
      job: { type: 'work' },
    })
    // As if the type had been unregistered since: written behind the service's back.
    await h.store.schedules.update(s.id, s.version, {
      job: { type: 'gone', params: {}, priority: 0 },
      updatedAt: T0,
    })
    const ok = await h.create({
      name: 'ok',
      trigger: { type: 'interval', every: '1s' },
      job: { type: 'work' },
    })
    await h.advance(3000)
    expect(await h.runs(s.id)).toEqual([])
    expect(await h.get(s.id)).toMatchObject({ skippedCount: 3, state: 'active', nextRunAt: T0 + 4000 })
    expect(await h.runs(ok.id)).toHaveLength(3)
  })
})
