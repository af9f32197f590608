import { describe, expect, it } from 'vitest'
import { REFERENCE_TIME } from '../helpers/clock.ts'
import { buildScheduling, type Scheduling, startOffsets } from '../helpers/scheduling.ts'

const T0 = REFERENCE_TIME
const backoff = { initialMs: 1000, maxMs: 8000, healthyAfterMs: 5000 }

/** The most runs of `scheduleId` ever active at once, from the engine's events. */
function watchConcurrency(h: Scheduling, scheduleId: () => string) {
  const active = new Set<string>()
  let max = 0
  h.engine.events.on('job', ({ type, job }) => {
    if (job.scheduleId !== scheduleId()) return
    if (type === 'job:created') active.add(job.id)
    if (type === 'job:finished') active.delete(job.id)
    max = Math.max(max, active.size)
  })
  return () => max
}

describe('daemon schedules (SPEC §6)', () => {
  it('start at once, restart after each failure with a growing backoff, one run at a time', async () => {
    const h = await buildScheduling()
    let id = ''
    const maxActive = watchConcurrency(h, () => id)
    const s = await h.create({
      name: 'crashy',
      trigger: { type: 'daemon', restart: 'always', backoff },
      job: { type: 'work', params: { ms: 0, fail: true } },
    })
    id = s.id
    await h.advance(30_000)
    const runs = await h.runs(s.id)
    // Delays 1 s, 2 s, 4 s, 8 s, then capped at maxMs.
    expect(startOffsets(runs, T0)).toEqual([0, 1000, 3000, 7000, 15_000, 23_000])
    expect(maxActive()).toBe(1)
    expect(await h.get(s.id)).toMatchObject({ daemonFailures: 6, nextRunAt: T0 + 31_000 })
  })

  it('a run that stayed up healthyAfterMs resets the backoff', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'recovering',
      trigger: { type: 'daemon', restart: 'always', backoff },
      job: { type: 'work', params: { ms: 0, fail: true } },
    })
    await h.advance(3000) // runs at 0, 1 s, 3 s: the next delay would be 4 s
    await h.schedules.patch(s.id, { job: { type: 'work', params: { ms: 6000, fail: true }, priority: 0 } })
    await h.advance(4000) // the 7 s run starts with the new template and stays up 6 s
    await h.advance(6000)
    expect(await h.get(s.id)).toMatchObject({ daemonFailures: 0, nextRunAt: T0 + 14_000 })
    await h.schedules.patch(s.id, { job: { type: 'work', params: { ms: 0, fail: true }, priority: 0 } })
    await h.advance(10_000)
    expect(startOffsets(await h.runs(s.id), T0)).toEqual([
      0, 1000, 3000, 7000, 14_000, 15_000, 17_000, 21_000,
    ])
  })

  it('restart: on-failure ends the schedule after a run that succeeds', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'once-ok',
      trigger: { type: 'daemon', restart: 'on-failure', backoff },
      job: { type: 'work', params: { ms: 500 } },
    })
    await h.advance(5000)
    expect(await h.runs(s.id)).toHaveLength(1)
    expect(await h.get(s.id)).toMatchObject({ state: 'stopped', nextRunAt: null })
  })

  it('restart: always restarts after success too; quick exits count as short runs', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'returns',
      trigger: { type: 'daemon', backoff },
      job: { type: 'work', params: { ms: 500 } },
    })
    await h.advance(4000)
    // Runs of 0.5 s are short of healthyAfterMs: waits of 1 s, then 2 s.
    expect(startOffsets(await h.runs(s.id), T0)).toEqual([0, 1500, 4000])
  })

  it('a graceful stop lets the run finish on stopSignal and is not followed by a restart', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'server',
      trigger: { type: 'daemon', backoff },
      job: { type: 'work', params: { ms: 3_600_000 } },
    })
    await h.advance(1000)
    const { schedule, accepted } = await h.schedules.stop(s.id, 'graceful')
    // The run returns as soon as stopSignal fires, which may be before the call returns: then
    // the stop is complete (stopped, 200) rather than accepted (stopping, 202).
    expect(['stopping', 'stopped']).toContain(schedule.state)
    expect(accepted).toBe(schedule.state === 'stopping')
    await h.advance(0)
    expect((await h.get(s.id)).state).toBe('stopped')
    const runs = await h.runs(s.id)
    expect(runs.map((r) => [r.state, r.cancel?.mode])).toEqual([['succeeded', 'graceful']])
    await h.advance(10_000)
    expect(await h.runs(s.id)).toHaveLength(1)
  })

  it('a paused daemon whose run ended is started again on resume', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'p',
      trigger: { type: 'daemon', backoff },
      job: { type: 'work', params: { ms: 1000 } },
    })
    await h.advance(0)
    await h.schedules.pause(s.id)
    await h.advance(5000)
    expect(await h.runs(s.id)).toHaveLength(1)
    await h.schedules.resume(s.id)
    await h.advance(0)
    expect(startOffsets(await h.runs(s.id), T0)).toEqual([0, 5000])
  })
})
