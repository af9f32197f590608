import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildTestApp, isTestStoreShared, type TestApp } from '../helpers/app.ts'
import { FakeClock } from '../helpers/clock.ts'
import { listen, SseClient } from '../helpers/sse-client.ts'
import { jobInState, waitFor } from '../helpers/wait-for.ts'

const interval = (name: string, every = '100ms', extra: Record<string, unknown> = {}) => ({
  name,
  trigger: { type: 'interval', every },
  job: { type: 'noop' },
  ...extra,
})

const runsOf = async (t: TestApp, id: string) =>
  (await t.request.get(`/v1/jobs?scheduleId=${id}&limit=500`).expect(200)).body.items as {
    id: string
    state: string
    scheduleId: string | null
  }[]

const schedule = async (t: TestApp, id: string) =>
  (await t.request.get(`/v1/schedules/${id}`).expect(200)).body

describe('schedules API (SPEC §5, §6)', () => {
  it('an interval schedule produces runs that point back to it', async () => {
    const t = await buildTestApp()
    const res = await t.request.post('/v1/schedules').send(interval('poll')).expect(201)
    expect(res.headers.location).toBe(`/v1/schedules/${res.body.id}`)
    expect(res.body).toMatchObject({
      name: 'poll',
      state: 'active',
      trigger: { type: 'interval', everyMs: 100, mode: 'fixed-rate' },
      overlap: 'skip',
      catchUp: 'skip',
      runCount: 0,
      activeJobIds: [],
    })
    // A run is stored before its tick's advance (exactly once by its idempotency key, not by one
    // transaction): on a pool a reader may see the run a moment before runCount counts it.
    await waitFor(async () => (await schedule(t, res.body.id)).runCount >= 3)
    const view = await schedule(t, res.body.id)
    const runs = await runsOf(t, res.body.id)
    expect(runs.length).toBeGreaterThanOrEqual(view.runCount)
    for (const run of runs) expect(run.scheduleId).toBe(res.body.id)
    expect(Date.parse(view.nextRunAt)).toBeGreaterThan(Date.parse(view.lastRunAt))
    expect(view.lastLatenessMs).toBeGreaterThanOrEqual(0)
  })

  it('lists newest first, filtered by state, with a cursor', async () => {
    const t = await buildTestApp()
    const ids: string[] = []
    for (const name of ['a', 'b', 'c'])
      ids.push((await t.request.post('/v1/schedules').send(interval(name, '1h'))).body.id)
    await t.request.post(`/v1/schedules/${ids[1]}/pause`).expect(200)
    const page = (await t.request.get('/v1/schedules?limit=2').expect(200)).body
    expect(page.items.map((s: { name: string }) => s.name)).toEqual(['c', 'b'])
    const rest = (await t.request.get(`/v1/schedules?limit=2&cursor=${page.nextCursor}`).expect(200)).body
    expect(rest).toMatchObject({ items: [{ name: 'a' }], nextCursor: null })
    const paused = (await t.request.get('/v1/schedules?state=paused').expect(200)).body.items
    expect(paused.map((s: { name: string }) => s.name)).toEqual(['b'])
    await t.request.get('/v1/schedules?limit=501').expect(400)
  })

  it('graceful stop: the running run gets stopSignal and finishes; stopping → stopped', async () => {
    const t = await buildTestApp()
    const s = (
      await t.request.post('/v1/schedules').send({ ...interval('g', '100ms'), job: { type: 'blocking' } })
    ).body
    const [run] = await waitFor(async () => {
      const runs = await runsOf(t, s.id)
      return runs[0]?.state === 'running' ? runs : undefined
    })
    const stop = await t.request.post(`/v1/schedules/${s.id}/stop`).send({ mode: 'graceful' })
    // `blocking` returns as soon as it hears stopSignal: the run may end before the reply (then 200
    // stopped, as documented), or after it (202 stopping, the run still active).
    if (stop.status === 202) {
      expect(stop.body).toMatchObject({ state: 'stopping', nextRunAt: null })
      // The run may end between the stop and the reply's read of the active runs.
      expect([[run?.id], []]).toContainEqual(stop.body.activeJobIds)
    } else {
      expect(stop.status).toBe(200)
      expect(stop.body).toMatchObject({ state: 'stopped', nextRunAt: null, activeJobIds: [] })
    }
    await waitFor(async () => (await schedule(t, s.id)).state === 'stopped')
    expect((await t.request.get(`/v1/jobs/${run?.id}`)).body).toMatchObject({
      state: 'succeeded',
      cancel: { mode: 'graceful' },
    })
    expect(t.observed.cleanups).toEqual([])
    expect(await runsOf(t, s.id)).toHaveLength(1)
    await t.request.post(`/v1/schedules/${s.id}/stop`).send({}).expect(409)
  })

  it('immediate stop: the run is cancelled (its handler cleans up) and the schedule is stopped at once', async () => {
    const t = await buildTestApp()
    const s = (
      await t.request.post('/v1/schedules').send({ ...interval('i', '100ms'), job: { type: 'blocking' } })
    ).body
    const [run] = await waitFor(async () => {
      const runs = await runsOf(t, s.id)
      return runs[0]?.state === 'running' ? runs : undefined
    })
    const stop = await t.request.post(`/v1/schedules/${s.id}/stop`).send({ mode: 'immediate' }).expect(200)
    expect(stop.body.state).toBe('stopped')
    await jobInState(t.request, `${run?.id}`, 'cancelled')
    expect(t.observed.cleanups).toEqual([{ jobId: run?.id, reason: 'CancelledError' }])
  })

  it.skipIf(isTestStoreShared())(
    'pause stops firing, trigger fires even while paused, resume fires again',
    async () => {
      // Fake time: "nothing fires while paused" is then ten periods passing, not a hopeful sleep.
      const clock = new FakeClock()
      const t = await buildTestApp({}, { clock })
      const s = (await t.request.post('/v1/schedules').send(interval('p', '100ms'))).body
      await clock.advanceAsync(300)
      const count = (await runsOf(t, s.id)).length
      expect(count).toBe(3)
      const paused = (await t.request.post(`/v1/schedules/${s.id}/pause`).expect(200)).body
      expect(paused).toMatchObject({ state: 'paused', nextRunAt: null })
      await clock.advanceAsync(1000)
      expect(await runsOf(t, s.id)).toHaveLength(count)
      const fired = await t.request.post(`/v1/schedules/${s.id}/trigger`).expect(201)
      expect(fired.body.job).toMatchObject({ scheduleId: s.id, type: 'noop' })
      expect(await runsOf(t, s.id)).toHaveLength(count + 1)
      await t.request.post(`/v1/schedules/${s.id}/resume`).expect(200)
      await clock.advanceAsync(300)
      expect((await runsOf(t, s.id)).length).toBeGreaterThanOrEqual(count + 3)
    },
  )

  it('trigger follows the overlap policy: 409 with the active run when skipped, 202 when queued', async () => {
    const t = await buildTestApp()
    const skip = (
      await t.request.post('/v1/schedules').send({ ...interval('s', '1h'), job: { type: 'blocking' } })
    ).body
    const first = (await t.request.post(`/v1/schedules/${skip.id}/trigger`).expect(201)).body.job
    const refused = await t.request.post(`/v1/schedules/${skip.id}/trigger`).expect(409)
    expect(refused.body.job).toMatchObject({ id: first.id })
    const queue = (
      await t.request
        .post('/v1/schedules')
        .send({ ...interval('q', '1h'), overlap: 'queue', job: { type: 'blocking' } })
    ).body
    const active = (await t.request.post(`/v1/schedules/${queue.id}/trigger`).expect(201)).body.job
    expect((await t.request.post(`/v1/schedules/${queue.id}/trigger`).expect(202)).body).toEqual({
      job: null,
      queued: true,
    })
    await t.request.post(`/v1/schedules/${queue.id}/trigger`).expect(409)
    await t.request.post(`/v1/jobs/${active.id}/cancel`).send({}).expect(202)
    await waitFor(async () => (await runsOf(t, queue.id)).length === 2)
  })

  it('a daemon is restarted after each exit, never more than one run at a time', async () => {
    const t = await buildTestApp()
    let id = ''
    const active = new Set<string>()
    let most = 0
    t.engine.events.on('job', ({ type, job }) => {
      if (job.scheduleId !== id) return
      if (type === 'job:created') active.add(job.id)
      if (type === 'job:finished') active.delete(job.id)
      most = Math.max(most, active.size)
    })
    const res = await t.request.post('/v1/schedules').send({
      name: 'd',
      trigger: { type: 'daemon', backoff: { initialMs: 10, maxMs: 100 } },
      job: { type: 'throws-non-error' },
    })
    id = res.body.id
    await waitFor(async () => (await runsOf(t, id)).length >= 5)
    expect(most).toBe(1)
    const view = await schedule(t, id)
    expect(view.activeJobIds.length).toBeLessThanOrEqual(1)
  })

  it('schedules survive a restart on the same database file', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'jobvisor-')), 'jobs.db')
    const first = await buildTestApp({}, { db })
    const s = (await first.request.post('/v1/schedules').send(interval('durable', '100ms'))).body
    await waitFor(async () => (await runsOf(first, s.id)).length >= 2)
    await first.service.shutdown(0)

    const second = await buildTestApp({}, { db })
    const before = (await runsOf(second, s.id)).length
    expect(await schedule(second, s.id)).toMatchObject({ name: 'durable', state: 'active' })
    await waitFor(async () => (await runsOf(second, s.id)).length >= before + 2)
  })

  it('PATCH changes the trigger and recomputes nextRunAt; a stopped schedule cannot change', async () => {
    const t = await buildTestApp()
    const s = (await t.request.post('/v1/schedules').send(interval('x', '1h'))).body
    const patched = await t.request
      .patch(`/v1/schedules/${s.id}`)
      .send({ trigger: { type: 'cron', expression: '0 0 1 1 *' }, name: 'y', jitterMs: 5 })
      .expect(200)
    expect(patched.body).toMatchObject({ name: 'y', jitterMs: 5, trigger: { type: 'cron', timezone: 'UTC' } })
    expect(patched.body.nextRunAt).toMatch(/-01-01T00:00:00.000Z$/)
    await t.request.patch(`/v1/schedules/${s.id}`).send({ overlap: 'sometimes' }).expect(400)
    await t.request.post(`/v1/schedules/${s.id}/stop`).send({ mode: 'immediate' }).expect(200)
    await t.request.patch(`/v1/schedules/${s.id}`).send({ name: 'z' }).expect(409)
    await t.request.post(`/v1/schedules/${s.id}/resume`).expect(409)
    await t.request.patch('/v1/schedules/nope').send({ name: 'z' }).expect(404)
  })

  it.skipIf(isTestStoreShared())('DELETE stops at once and deletes; its runs stay as jobs', async () => {
    const clock = new FakeClock()
    const t = await buildTestApp({}, { clock })
    const s = (
      await t.request.post('/v1/schedules').send({ ...interval('d', '100ms'), job: { type: 'blocking' } })
    ).body
    await clock.advanceAsync(100)
    const [run] = await waitFor(async () => {
      const runs = await runsOf(t, s.id)
      return runs[0]?.state === 'running' ? runs : undefined
    })
    await t.request.delete(`/v1/schedules/${s.id}`).expect(204)
    await t.request.get(`/v1/schedules/${s.id}`).expect(404)
    await jobInState(t.request, `${run?.id}`, 'cancelled')
    // Ten periods later there is still only that one run.
    await clock.advanceAsync(1000)
    expect(await runsOf(t, s.id)).toHaveLength(1)
    await t.request.delete(`/v1/schedules/${s.id}`).expect(404)
  })
})

describe('schedules in events and metrics', () => {
  it('schedule events reach GET /v1/events, filtered by scheduleId; lateness reaches /metrics', async () => {
    const t = await buildTestApp()
    const s = (await t.request.post('/v1/schedules').send(interval('watched', '1h'))).body
    const client = await SseClient.open(await listen(t.app), `/v1/events?scheduleId=${s.id}`)
    await t.request.post(`/v1/schedules/${s.id}/trigger`).expect(201)
    await t.request.post(`/v1/schedules/${s.id}/pause`).expect(200)
    await client.until((c) => c.events.some((e) => e.event === 'schedule:paused'))
    const types = client.events.map((e) => e.event)
    expect(types).toEqual(expect.arrayContaining(['schedule:fired', 'job:created', 'schedule:paused']))
    const fired = client.events.find((e) => e.event === 'schedule:fired')
    expect(fired?.json).toMatchObject({ type: 'schedule:fired', schedule: { id: s.id, name: 'watched' } })
    client.close()
    const metrics = (await t.request.get('/metrics').expect(200)).text
    expect(metrics).toMatch(/^jobvisor_schedule_lateness_seconds_count 1$/m)
  })
})

describe('malformed schedules are 400 naming the field, never 5xx', () => {
  const base = interval('m', '1s')
  it.each<[string, Record<string, unknown>, string]>([
    ['bad cron', { trigger: { type: 'cron', expression: '61 * * * *' } }, 'body.trigger.expression'],
    ['cron with 4 fields', { trigger: { type: 'cron', expression: '* * * *' } }, 'body.trigger.expression'],
    [
      'unknown time zone',
      { trigger: { type: 'cron', expression: '* * * * *', timezone: 'Mars/Olympus' } },
      'body.trigger.timezone',
    ],
    ['bad duration', { trigger: { type: 'interval', every: '5 minutes' } }, 'body.trigger.every'],
    ['interval too short', { trigger: { type: 'interval', every: '1ms' } }, 'body.trigger.every'],
    [
      'both every and everyMs',
      { trigger: { type: 'interval', every: '1s', everyMs: 1000 } },
      'body.trigger.every',
    ],
    ['unknown trigger type', { trigger: { type: 'weekly' } }, 'body.trigger.type'],
    ['unknown job type', { job: { type: 'teleport' } }, 'body.job.type'],
    ['bad params for the type', { job: { type: 'sleep', params: { ms: 'long' } } }, 'body.job.params.ms'],
    ['runAt in the template', { job: { type: 'noop', runAt: '2030-01-01T00:00:00Z' } }, 'body.job.runAt'],
    ['unknown overlap policy', { overlap: 'sometimes' }, 'body.overlap'],
    ['unknown catch-up policy', { catchUp: 'some' }, 'body.catchUp'],
    ['negative jitter', { jitterMs: -1 }, 'body.jitterMs'],
    [
      'endAt before startAt',
      { startAt: '2030-01-02T00:00:00Z', endAt: '2030-01-01T00:00:00Z' },
      'body.endAt',
    ],
    ['window already over', { endAt: '2001-01-01T00:00:00Z' }, 'body.endAt'],
    ['maxRuns 0', { maxRuns: 0 }, 'body.maxRuns'],
    ['bad name', { name: 'no spaces' }, 'body.name'],
    ['unknown field', { catchup: 'all' }, 'body'],
    [
      'bad daemon backoff',
      { trigger: { type: 'daemon', backoff: { initialMs: 100, maxMs: 10 } } },
      'body.trigger.backoff.maxMs',
    ],
  ])('%s', async (_case, change, path) => {
    const t = await buildTestApp()
    const res = await t.request
      .post('/v1/schedules')
      .send({ ...base, ...change })
      .expect(400)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path)
  })

  it('an interval below JOBVISOR_MIN_INTERVAL_MS (default 100 ms) is a 400 naming body.trigger.every', async () => {
    const t = await buildTestApp()
    const flood = { overlap: 'allow', catchUp: 'all' }
    for (const trigger of [
      { type: 'interval', every: '10ms' },
      { type: 'interval', everyMs: 99 },
    ]) {
      const res = await t.request
        .post('/v1/schedules')
        .send({ ...base, ...flood, trigger })
        .expect(400)
      expect(res.body.errors).toEqual([
        { path: 'body.trigger.every', message: expect.stringContaining('JOBVISOR_MIN_INTERVAL_MS') },
      ])
    }
    const ok = await t.request
      .post('/v1/schedules')
      .send({ ...base, ...flood, trigger: { type: 'interval', everyMs: 100 } })
      .expect(201)
    const patched = await t.request
      .patch(`/v1/schedules/${ok.body.id}`)
      .send({ trigger: { type: 'interval', every: '50ms' } })
      .expect(400)
    expect(patched.body.errors[0].path).toBe('body.trigger.every')
  })

  it('a floor above one second also bounds cron expressions and daemon restarts', async () => {
    const t = await buildTestApp({ JOBVISOR_MIN_INTERVAL_MS: '2000' })
    const refused = async (trigger: object) =>
      (
        await t.request
          .post('/v1/schedules')
          .send({ ...base, trigger })
          .expect(400)
      ).body.errors[0].path
    expect(await refused({ type: 'cron', expression: '* * * * * *' })).toBe('body.trigger.expression')
    expect(await refused({ type: 'cron', expression: '0,1 * * * * *' })).toBe('body.trigger.expression')
    expect(await refused({ type: 'daemon', backoff: { initialMs: 10, maxMs: 1000 } })).toBe(
      'body.trigger.backoff.maxMs',
    )
    await t.request
      .post('/v1/schedules')
      .send({ ...base, trigger: { type: 'cron', expression: '*/5 * * * * *' } })
      .expect(201)
  })

  it('a duplicate name is 409', async () => {
    const t = await buildTestApp()
    await t.request.post('/v1/schedules').send(base).expect(201)
    const res = await t.request.post('/v1/schedules').send(base).expect(409)
    expect(res.body.errors).toEqual([{ path: 'body.name', message: expect.stringContaining('"m"') }])
  })

  it('an unknown schedule is 404 on every route', async () => {
    const t = await buildTestApp()
    await t.request.get('/v1/schedules/nope').expect(404)
    for (const action of ['pause', 'resume', 'trigger', 'stop'])
      await t.request.post(`/v1/schedules/nope/${action}`).expect(404)
  })
})
