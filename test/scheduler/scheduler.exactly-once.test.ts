import { describe, expect, it } from 'vitest'
import { REFERENCE_TIME } from '../helpers/clock.ts'
import { buildScheduling, dueOffsets } from '../helpers/scheduling.ts'

const T0 = REFERENCE_TIME

describe('each tick runs once (QUALITY R2)', () => {
  it('a crash between creating the run and advancing nextRunAt does not run the tick twice', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'crash',
      trigger: { type: 'interval', every: '1s' },
      job: { type: 'work', params: { ms: 100 } },
      overlap: 'allow',
      jitterMs: 200,
    })
    await h.advance(999)
    await h.stopScheduler()
    // The dead process had made the run of the 1 s tick, and died before recording the tick.
    const before = await h.scheduler.runs.tick(s, T0 + 1000)
    expect(before.created).toBe(true)
    await h.advance(1)
    expect((await h.get(s.id)).nextRunAt).toBe(T0 + 1000)
    await h.startScheduler()
    await h.advance(1000)
    const runs = await h.runs(s.id)
    expect(runs.map((r) => r.id)[0]).toBe(before.job?.id)
    expect(runs).toHaveLength(2)
    expect(dueOffsets(runs, T0).map((d) => Math.floor(d / 1000))).toEqual([1, 2])
    expect(await h.get(s.id)).toMatchObject({ runCount: 2, nextRunAt: T0 + 3000 })
  })

  it('the same tick fired twice (a restart replaying it, after the run ended) makes one run', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'replay',
      trigger: { type: 'interval', every: '1s' },
      job: { type: 'work' },
    })
    const first = await h.scheduler.runs.tick(s, T0 + 1000)
    await h.advance(0)
    expect((await h.runs(s.id)).map((r) => r.state)).toEqual(['succeeded'])
    const again = await h.scheduler.runs.tick(s, T0 + 1000)
    expect(again).toMatchObject({ created: false, job: { id: first.job?.id } })
  })

  it('two schedulers sharing a store fire each tick once', async () => {
    const h = await buildScheduling()
    const second = await h.startedScheduler()
    const s = await h.create({
      name: 'shared',
      trigger: { type: 'interval', every: '1s' },
      job: { type: 'work', params: { ms: 1500 } },
      overlap: 'allow',
    })
    second.scheduler.noteDue(s.nextRunAt)
    await h.advance(10_000)
    expect(dueOffsets(await h.runs(s.id), T0)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => n * 1000))
    expect((await h.get(s.id)).runCount).toBe(10)
  })
})
