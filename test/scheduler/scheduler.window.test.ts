import { describe, expect, it } from 'vitest'
import { InvalidScheduleInputError } from '../../src/scheduler/errors.ts'
import { REFERENCE_TIME } from '../helpers/clock.ts'
import { buildScheduling, dueOffsets } from '../helpers/scheduling.ts'

const T0 = REFERENCE_TIME
const iso = (offset: number) => new Date(T0 + offset).toISOString()

describe('startAt, endAt, maxRuns (SPEC §6)', () => {
  it('startAt: the first run is at startAt, and the grid is anchored there', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'later',
      trigger: { type: 'interval', every: '1s' },
      job: { type: 'work' },
      startAt: iso(5500),
    })
    expect(s.nextRunAt).toBe(T0 + 5500)
    await h.advance(8000)
    expect(dueOffsets(await h.runs(s.id), T0)).toEqual([5500, 6500, 7500])
  })

  it('endAt: no run after it; the schedule then stops', async () => {
    const h = await buildScheduling()
    const stopped: string[] = []
    h.scheduler.events.on('schedule', (e) => {
      if (e.type === 'schedule:stopped') stopped.push(e.schedule.id)
    })
    const s = await h.create({
      name: 'until',
      trigger: { type: 'interval', every: '1s' },
      job: { type: 'work' },
      endAt: iso(3500),
    })
    await h.advance(10_000)
    expect(dueOffsets(await h.runs(s.id), T0)).toEqual([1000, 2000, 3000])
    expect(await h.get(s.id)).toMatchObject({ state: 'stopped', nextRunAt: null })
    expect(stopped).toEqual([s.id])
  })

  it('maxRuns: exactly that many runs; stopped once the last one has ended', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'three',
      trigger: { type: 'interval', every: '1s' },
      job: { type: 'work', params: { ms: 1500 } },
      overlap: 'allow',
      maxRuns: 3,
    })
    await h.advance(3000)
    expect(await h.get(s.id)).toMatchObject({ state: 'active', runCount: 3, nextRunAt: null })
    await h.advance(1500)
    expect(await h.get(s.id)).toMatchObject({ state: 'stopped', runCount: 3 })
    await h.advance(5000)
    expect(await h.runs(s.id)).toHaveLength(3)
  })

  it('a window that closes before the first due time is refused, naming endAt', async () => {
    const h = await buildScheduling()
    const create = h.create({
      name: 'never',
      trigger: { type: 'interval', every: '1h' },
      job: { type: 'work' },
      endAt: iso(60_000),
    })
    await expect(create).rejects.toBeInstanceOf(InvalidScheduleInputError)
    await expect(create).rejects.toMatchObject({ issues: [{ path: 'endAt' }] })
  })

  it('PATCH of the trigger recomputes nextRunAt on the same grid origin', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'p',
      trigger: { type: 'interval', every: '10s' },
      job: { type: 'work' },
    })
    await h.advance(12_000)
    const patched = await h.schedules.patch(s.id, {
      trigger: { type: 'interval', everyMs: 3000, mode: 'fixed-rate' },
    })
    expect(patched.nextRunAt).toBe(T0 + 12_000)
    await h.advance(4000)
    expect(dueOffsets(await h.runs(s.id), T0)).toEqual([10_000, 12_000, 15_000])
  })
})
