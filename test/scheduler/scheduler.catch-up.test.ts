import { describe, expect, it } from 'vitest'
import { REFERENCE_TIME } from '../helpers/clock.ts'
import { buildScheduling, dueOffsets, type Scheduling, startOffsets } from '../helpers/scheduling.ts'

const T0 = REFERENCE_TIME
const every5s = (catchUp: string) => ({
  name: `every-5s-${catchUp}`,
  trigger: { type: 'interval', every: '5s' },
  job: { type: 'work' },
  overlap: 'allow',
  catchUp,
})

/** Runs at 5 s and 10 s, then no scheduler from 10.5 s to 41.5 s: ticks 15 s … 40 s are missed. */
async function downtime(h: Scheduling, catchUp: string) {
  const s = await h.create(every5s(catchUp))
  await h.advance(10_500)
  await h.stopScheduler()
  await h.advance(31_000)
  await h.startScheduler()
  return s
}

describe('catch-up after downtime (SPEC §6)', () => {
  it('skip: missed ticks are counted, not run; the grid goes on', async () => {
    const h = await buildScheduling()
    const s = await downtime(h, 'skip')
    expect(dueOffsets(await h.runs(s.id), T0)).toEqual([5000, 10_000])
    expect(await h.get(s.id)).toMatchObject({ skippedCount: 6, runCount: 2, nextRunAt: T0 + 45_000 })
    await h.advance(3500)
    expect(dueOffsets(await h.runs(s.id), T0)).toEqual([5000, 10_000, 45_000])
  })

  it('once: one run, for the latest missed tick, at restart', async () => {
    const h = await buildScheduling()
    const s = await downtime(h, 'once')
    const runs = await h.runs(s.id)
    expect(dueOffsets(runs, T0)).toEqual([5000, 10_000, 40_000])
    expect(startOffsets(runs, T0).at(-1)).toBe(41_500)
    expect(await h.get(s.id)).toMatchObject({ skippedCount: 5, runCount: 3, lastLatenessMs: 1500 })
  })

  it('all: every missed tick runs, in order', async () => {
    const h = await buildScheduling()
    const s = await downtime(h, 'all')
    expect(dueOffsets(await h.runs(s.id), T0)).toEqual([
      5000, 10_000, 15_000, 20_000, 25_000, 30_000, 35_000, 40_000,
    ])
    expect(await h.get(s.id)).toMatchObject({ skippedCount: 0, runCount: 8 })
  })

  it('all is bounded by the overlap policy: with skip, the first catch-up run makes the rest overlap', async () => {
    const h = await buildScheduling()
    const s = await downtime(h, 'all')
    await h.schedules.patch(s.id, { overlap: 'skip' })
    await h.stopScheduler()
    await h.advance(20_000)
    await h.startScheduler()
    expect(dueOffsets(await h.runs(s.id), T0).slice(8)).toEqual([45_000])
  })

  it('applies to ticks missed while paused, on resume', async () => {
    const h = await buildScheduling()
    const s = await h.create(every5s('once'))
    await h.advance(10_500)
    await h.schedules.pause(s.id)
    await h.advance(31_000)
    expect(dueOffsets(await h.runs(s.id), T0)).toEqual([5000, 10_000])
    const resumed = await h.schedules.resume(s.id)
    expect(resumed.state).toBe('active')
    await h.advance(0)
    expect(dueOffsets(await h.runs(s.id), T0)).toEqual([5000, 10_000, 40_000])
    expect((await h.get(s.id)).nextRunAt).toBe(T0 + 45_000)
  })
})
