import { describe, expect, it } from 'vitest'
import type { TickRecord } from '../../src/model/tick.ts'
import type { ScheduleEvent } from '../../src/scheduler/events.ts'
import { REFERENCE_TIME } from '../helpers/clock.ts'
import { buildScheduling, type Scheduling } from '../helpers/scheduling.ts'

const T0 = REFERENCE_TIME
/** Every second, runs of 2.5 s: each tick meets the previous run still active. */
const slow = (overlap: string, extra: Record<string, unknown> = {}) => ({
  name: `slow-${overlap}`,
  trigger: { type: 'interval', every: '1s' },
  job: { type: 'work', params: { ms: 2500 } },
  overlap,
  ...extra,
})

/** The history oldest first, times relative to T0: easier to read against a timeline. */
async function history(h: Scheduling, id: string) {
  const ticks: TickRecord[] = await h.store.ticks.list({ scheduleId: id, limit: 1000 })
  return ticks
    .reverse()
    .map((t) => ({ at: t.dueAt - T0, outcome: t.outcome, reason: t.reason, jobId: t.jobId }))
}

/** `schedule:tick` events as they came: each must match a stored tick, in the same order. */
function tickEvents(h: Scheduling) {
  const seen: NonNullable<ScheduleEvent['tick']>[] = []
  h.scheduler.events.on('schedule', (e) => {
    if (e.type === 'schedule:tick' && e.tick) seen.push(e.tick)
  })
  return seen
}

describe('tick history (SPEC §11)', () => {
  it('fired ticks name their run; overlap skip names the active run', async () => {
    const h = await buildScheduling()
    const events = tickEvents(h)
    const s = await h.create(slow('skip'))
    await h.advance(4000)
    const runs = await h.runs(s.id)
    const first = runs[0]?.id
    expect(await history(h, s.id)).toEqual([
      { at: 1000, outcome: 'fired', reason: null, jobId: first },
      {
        at: 2000,
        outcome: 'skipped',
        reason: `overlap skip: run ${first} (running) still active`,
        jobId: null,
      },
      {
        at: 3000,
        outcome: 'skipped',
        reason: `overlap skip: run ${first} (running) still active`,
        jobId: null,
      },
      { at: 4000, outcome: 'fired', reason: null, jobId: runs[1]?.id },
    ])
    // The stream tells the same story in the same order, each after its write.
    expect(events.map((t) => [t.dueAt - T0, t.outcome])).toEqual([
      [1000, 'fired'],
      [2000, 'skipped'],
      [3000, 'skipped'],
      [4000, 'fired'],
    ])
  })

  it('replace names the run it cancelled and the run it made', async () => {
    const h = await buildScheduling()
    const s = await h.create(slow('replace'))
    await h.advance(2000)
    const [old, fresh] = await h.runs(s.id)
    expect((await history(h, s.id)).at(-1)).toEqual({
      at: 2000,
      outcome: 'replaced',
      reason: `cancelled ${old?.id} (running)`,
      jobId: fresh?.id,
    })
  })

  it('queue: queued, then fired once the active run ends; a second waiting tick is skipped', async () => {
    const h = await buildScheduling()
    const s = await h.create(slow('queue'))
    await h.advance(3500)
    const [first, second] = await h.runs(s.id)
    expect(await history(h, s.id)).toEqual([
      { at: 1000, outcome: 'fired', reason: null, jobId: first?.id },
      { at: 2000, outcome: 'queued', reason: `waits for run ${first?.id} (running)`, jobId: null },
      {
        at: 3000,
        outcome: 'skipped',
        reason: `overlap queue: a tick already waits for run ${first?.id} (running)`,
        jobId: null,
      },
      {
        at: 2000,
        outcome: 'fired',
        reason: 'waited for the run before it (overlap queue)',
        jobId: second?.id,
      },
    ])
  })

  it('missed: catch-up skip after downtime, with the reason "down"; while paused, "paused"', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'five',
      trigger: { type: 'interval', every: '5s' },
      job: { type: 'work' },
    })
    await h.advance(5500)
    await h.stopScheduler()
    await h.advance(11_000) // 10 s and 15 s pass with no scheduler
    await h.startScheduler()
    await h.schedules.pause(s.id)
    await h.advance(10_000) // 20 s and 25 s pass while paused
    await h.schedules.resume(s.id)
    await h.advance(0)
    const outcomes = (await history(h, s.id)).map(({ at, outcome, reason }) => [at, outcome, reason])
    expect(outcomes).toEqual([
      [5000, 'fired', null],
      [10_000, 'missed', 'catchUp skip: due while the service was down'],
      [15_000, 'missed', 'catchUp skip: due while the service was down'],
      [20_000, 'missed', 'catchUp skip: due while the schedule was paused'],
      [25_000, 'missed', 'catchUp skip: due while the schedule was paused'],
    ])
    // Every missed tick is counted, and each has its record.
    expect((await h.get(s.id)).skippedCount).toBe(4)
  })

  it('catchUp once: the missed ticks, then one run for the latest', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'once',
      trigger: { type: 'interval', every: '5s' },
      job: { type: 'work' },
      catchUp: 'once',
    })
    await h.stopScheduler()
    await h.advance(16_000)
    await h.startScheduler()
    const outcomes = (await history(h, s.id)).map(({ at, outcome }) => [at, outcome])
    expect(outcomes).toEqual([
      [5000, 'missed'],
      [10_000, 'missed'],
      [15_000, 'fired'],
    ])
  })

  it('manual: a trigger is recorded with its run; a queued trigger as queued, then fired', async () => {
    const h = await buildScheduling()
    const s = await h.create(slow('queue', { trigger: { type: 'interval', every: '1h' } }))
    const manual = await h.schedules.trigger(s.id)
    const queued = await h.schedules.trigger(s.id)
    expect(queued.queued).toBe(true)
    await h.advance(2500)
    const runs = await h.runs(s.id)
    expect((await history(h, s.id)).map(({ at, outcome, jobId }) => [at, outcome, jobId])).toEqual([
      [0, 'manual', manual.job?.id],
      [0, 'queued', null],
      [0, 'fired', runs[1]?.id],
    ])
  })

  it('a template its type now rejects is a skipped tick with the reason', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'bad',
      trigger: { type: 'interval', every: '1s' },
      job: { type: 'work' },
    })
    // Stored straight into the row: the API refuses such a template (checked at create and PATCH).
    await h.store.schedules.update(s.id, s.version, {
      job: { type: 'work', params: { ms: 'soon' }, priority: 0 },
      updatedAt: T0,
    })
    await h.advance(1000)
    const [tick] = await history(h, s.id)
    expect(tick).toMatchObject({ at: 1000, outcome: 'skipped', jobId: null })
    expect(tick?.reason).toMatch(/^the job template was rejected: params\.ms/)
  })

  it('a daemon records its starts as fired', async () => {
    const h = await buildScheduling()
    const s = await h.create({
      name: 'daemon',
      trigger: { type: 'daemon', restart: 'always', backoff: { initialMs: 1000, maxMs: 1000 } },
      job: { type: 'work', params: { ms: 0, fail: true } },
    })
    await h.advance(2000)
    const runs = await h.runs(s.id)
    expect((await history(h, s.id)).map(({ at, outcome, jobId }) => [at, outcome, jobId])).toEqual(
      runs.map((run) => [(run.dueAt ?? 0) - T0, 'fired', run.id]),
    )
    expect(runs.length).toBeGreaterThanOrEqual(2)
  })
})
