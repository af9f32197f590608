import { describe, expect, it } from 'vitest'
import { REFERENCE_TIME } from '../helpers/clock.ts'
import { buildScheduling, startOffsets } from '../helpers/scheduling.ts'

const T0 = REFERENCE_TIME

describe('fixed-delay interval (SPEC §6)', () => {
  it('waits `every` after each run ends: the seed’s `while True: work; sleep(every)` loop', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'loop',
      trigger: { type: 'interval', every: '1s', mode: 'fixed-delay' },
      job: { type: 'work', params: { ms: 500 } },
    })
    await h.advance(7000)
    const runs = await h.runs(s.id)
    // Starts at 1 s (createdAt + every), ends 1.5 s, next at 2.5 s, ends 3 s, next at 4 s, …
    expect(startOffsets(runs, T0)).toEqual([1000, 2500, 4000, 5500, 7000])
    for (let i = 1; i < runs.length; i++) {
      expect((runs[i]?.startedAt ?? 0) - (runs[i - 1]?.finishedAt ?? 0)).toBe(1000)
    }
    const view = await h.get(s.id)
    // While a run is active there is no next due time: it depends on when the run ends.
    expect(view).toMatchObject({ runCount: 5, nextRunAt: null, skippedCount: 0 })
    await h.advance(500)
    expect((await h.get(s.id)).nextRunAt).toBe(T0 + 8500)
  })

  it('keeps going after a failed run', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'failing-loop',
      trigger: { type: 'interval', every: '1s', mode: 'fixed-delay' },
      job: { type: 'work', params: { ms: 100, fail: true } },
    })
    await h.advance(3300)
    const runs = await h.runs(s.id)
    expect(runs.map((r) => r.state)).toEqual(['failed', 'failed', 'failed'])
    expect(startOffsets(runs, T0)).toEqual([1000, 2100, 3200])
  })
})
