import { describe, expect, it } from 'vitest'
import { REFERENCE_TIME } from '../helpers/clock.ts'
import { buildScheduling, dueOffsets, startOffsets } from '../helpers/scheduling.ts'

const T0 = REFERENCE_TIME
const grid = (n: number, every: number, first = every) =>
  Array.from({ length: n }, (_, i) => first + i * every)

describe('fixed-rate interval (SPEC §6)', () => {
  it('fires at createdAt + n·every, with no drift however slow the runs', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'grid',
      trigger: { type: 'interval', every: '1s' },
      job: { type: 'work', params: { ms: 1700 } },
      overlap: 'allow',
    })
    await h.advance(20_000)
    const runs = await h.runs(s.id)
    expect(dueOffsets(runs, T0)).toEqual(grid(20, 1000))
    // The fake clock has no timer latency: each run starts exactly when due.
    expect(startOffsets(runs, T0)).toEqual(grid(20, 1000))
    expect(await h.get(s.id)).toMatchObject({ runCount: 20, nextRunAt: T0 + 21_000, lastLatenessMs: 0 })
  })

  it('a tick that comes while the previous run is active is skipped by default, on the same grid', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'slow',
      trigger: { type: 'interval', everyMs: 1000 },
      job: { type: 'work', params: { ms: 2500 } },
    })
    await h.advance(10_000)
    const runs = await h.runs(s.id)
    // Runs at 1 s end at 3.5 s, so 2 s and 3 s are skipped; the next run is at 4 s, not 3.5 s.
    expect(dueOffsets(runs, T0)).toEqual([1000, 4000, 7000, 10_000])
    expect(await h.get(s.id)).toMatchObject({ runCount: 4, skippedCount: 6 })
  })

  it('cron fires on its expression in its time zone', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'cron',
      trigger: { type: 'cron', expression: '*/15 * * * * *', timezone: 'Europe/Berlin' },
      job: { type: 'work' },
    })
    await h.advance(60_000)
    expect(dueOffsets(await h.runs(s.id), T0)).toEqual([15_000, 30_000, 45_000, 60_000])
  })

  it('one timer serves every schedule, armed for the earliest due', async () => {
    const h = await buildScheduling()
    const a = await h.create({ name: 'a', trigger: { type: 'interval', every: '3s' }, job: { type: 'work' } })
    const b = await h.create({ name: 'b', trigger: { type: 'interval', every: '2s' }, job: { type: 'work' } })
    await h.advance(6000)
    expect(dueOffsets(await h.runs(a.id), T0)).toEqual([3000, 6000])
    expect(dueOffsets(await h.runs(b.id), T0)).toEqual([2000, 4000, 6000])
  })
})
