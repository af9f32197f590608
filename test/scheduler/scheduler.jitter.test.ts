import { describe, expect, it } from 'vitest'
import { REFERENCE_TIME } from '../helpers/clock.ts'
import { buildScheduling, dueOffsets, startOffsets } from '../helpers/scheduling.ts'

const T0 = REFERENCE_TIME

describe('jitter (SPEC §6)', () => {
  it('each run starts within [due, due + jitterMs); the grid itself does not move', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'jittery',
      trigger: { type: 'interval', every: '1s' },
      job: { type: 'work' },
      jitterMs: 300,
    })
    await h.advance(20_500)
    const runs = await h.runs(s.id)
    expect(runs).toHaveLength(20)
    const offsets = runs.map((r, i) => (r.dueAt ?? 0) - (T0 + (i + 1) * 1000))
    for (const offset of offsets) {
      expect(offset).toBeGreaterThanOrEqual(0)
      expect(offset).toBeLessThan(300)
    }
    expect(new Set(offsets).size).toBeGreaterThan(5)
    // The recorded due time is the jittered one, and the delayed run starts right then.
    expect(startOffsets(runs, T0)).toEqual(dueOffsets(runs, T0))
    expect(await h.get(s.id)).toMatchObject({ nextRunAt: T0 + 21_000, lastLatenessMs: 0 })
  })

  it('the jitter of a tick is a function of (schedule, due), so firing it again gives the same run', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'j',
      trigger: { type: 'interval', every: '1s' },
      job: { type: 'work' },
      jitterMs: 500,
    })
    const at = h.scheduler.runs.startTime(s, T0 + 1000)
    expect(h.scheduler.runs.startTime(s, T0 + 1000)).toBe(at)
    await h.advance(1500)
    expect((await h.runs(s.id))[0]?.dueAt).toBe(at)
  })

  it('an injected random is used as given', async () => {
    const h = await buildScheduling({ random: () => 0.999 })
    const s = await h.create({
      name: 'max',
      trigger: { type: 'interval', every: '1s' },
      job: { type: 'work' },
      jitterMs: 100,
    })
    await h.advance(2100)
    expect(dueOffsets(await h.runs(s.id), T0)).toEqual([1099, 2099])
  })
})
