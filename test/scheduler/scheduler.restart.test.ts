import { describe, expect, it } from 'vitest'
import { REFERENCE_TIME } from '../helpers/clock.ts'
import { buildScheduling, dueOffsets, startOffsets } from '../helpers/scheduling.ts'

const T0 = REFERENCE_TIME

describe('a scheduler restart picks up where the last one stopped (SPEC §6)', () => {
  it('keeps the timing of its schedules', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'durable',
      trigger: { type: 'interval', every: '1s' },
      job: { type: 'work' },
    })
    await h.advance(2500)
    await h.stopScheduler()
    await h.startScheduler()
    await h.advance(1000)
    expect(dueOffsets(await h.runs(s.id), T0)).toEqual([1000, 2000, 3000])
  })

  it('a fixed-delay run that ended while no scheduler listened is followed up at start', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'unseen',
      trigger: { type: 'interval', every: '1s', mode: 'fixed-delay' },
      job: { type: 'work', params: { ms: 500 } },
    })
    await h.advance(1200) // the run started at 1 s
    await h.stopScheduler()
    await h.advance(300) // …and ends at 1.5 s, unseen
    expect((await h.get(s.id)).nextRunAt).toBeNull()
    await h.startScheduler()
    expect((await h.get(s.id)).nextRunAt).toBe(T0 + 2500)
    await h.advance(1000)
    expect(startOffsets(await h.runs(s.id), T0)).toEqual([1000, 2500])
  })

  it('a stopping schedule whose runs ended while down is stopped at start', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'winding-down',
      trigger: { type: 'interval', every: '1s' },
      job: { type: 'work', params: { ms: 60_000 } },
    })
    await h.advance(1000)
    await h.stopScheduler()
    // Written by the dead process: stopping, with its run still going.
    const current = await h.get(s.id)
    await h.store.schedules.update(s.id, current.version, {
      state: 'stopping',
      nextRunAt: null,
      updatedAt: T0,
    })
    await h.advance(60_000)
    expect((await h.get(s.id)).state).toBe('stopping')
    await h.startScheduler()
    expect((await h.get(s.id)).state).toBe('stopped')
  })
})
