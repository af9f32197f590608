import { describe, expect, it } from 'vitest'
import { REFERENCE_TIME } from '../helpers/clock.ts'
import { buildScheduling, dueOffsets, startOffsets } from '../helpers/scheduling.ts'

const T0 = REFERENCE_TIME
/** Every second, runs of 2.5 s: each tick meets the previous run still active. */
const slow = (overlap: string) => ({
  name: `slow-${overlap}`,
  trigger: { type: 'interval', every: '1s' },
  job: { type: 'work', params: { ms: 2500 } },
  overlap,
})

describe('overlap policies on a scheduler (SPEC §6)', () => {
  it('skip: the tick is recorded as skipped', async () => {
    const h = await buildScheduling()
    const skipped: number[] = []
    h.scheduler.events.on('schedule', (e) => {
      if (e.type === 'schedule:skipped') skipped.push((e.dueAt ?? 0) - T0)
    })
    const s = await h.create(slow('skip'))
    await h.advance(4000)
    expect(dueOffsets(await h.runs(s.id), T0)).toEqual([1000, 4000])
    expect(skipped).toEqual([2000, 3000])
    expect((await h.get(s.id)).skippedCount).toBe(2)
  })

  it('allow: runs overlap', async () => {
    const h = await buildScheduling()
    const s = await h.create(slow('allow'))
    await h.advance(3000)
    const runs = await h.runs(s.id)
    expect(dueOffsets(runs, T0)).toEqual([1000, 2000, 3000])
    expect(runs.map((r) => r.state)).toEqual(['running', 'running', 'running'])
  })

  it('replace: the active run is cancelled, then the tick fires', async () => {
    const h = await buildScheduling()
    const s = await h.create(slow('replace'))
    await h.advance(3000)
    const runs = await h.runs(s.id)
    expect(dueOffsets(runs, T0)).toEqual([1000, 2000, 3000])
    expect(runs.map((r) => r.state)).toEqual(['cancelled', 'cancelled', 'running'])
    expect(runs[0]?.cancel).toMatchObject({ mode: 'immediate' })
    expect(await h.schedules.activeJobIds([s.id])).toEqual(new Map([[s.id, [runs[2]?.id]]]))
  })

  it('queue: one tick waits for the active run and starts when it ends; a second is skipped', async () => {
    const h = await buildScheduling()
    const s = await h.create(slow('queue'))
    await h.advance(3000)
    expect(await h.get(s.id)).toMatchObject({ pendingDueAt: T0 + 2000, skippedCount: 1 })
    await h.advance(500) // the 1 s run ends at 3.5 s
    const runs = await h.runs(s.id)
    expect(dueOffsets(runs, T0)).toEqual([1000, 2000])
    expect(startOffsets(runs, T0)).toEqual([1000, 3500])
    // Lateness is measured from the due time, so a queued run shows how long it waited.
    expect(await h.get(s.id)).toMatchObject({ pendingDueAt: null, runCount: 2, lastLatenessMs: 1500 })
  })
})
