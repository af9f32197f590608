import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/app.ts'
import { jobInState, waitFor } from '../helpers/wait-for.ts'

describe('cancel (SPEC §3)', () => {
  it('a queued job is cancelled at once with 200 and never runs', async () => {
    const { request, observed } = await buildTestApp({ JOBVISOR_MAX_CONCURRENCY: '1' })
    const first = (await request.post('/v1/jobs').send({ type: 'blocking' }).expect(201)).body
    const second = (
      await request
        .post('/v1/jobs')
        .send({ type: 'flaky', params: { failures: 0 } })
        .expect(201)
    ).body
    expect(second.state).toBe('queued')
    const res = await request.post(`/v1/jobs/${second.id}/cancel`).send({ reason: 'not needed' }).expect(200)
    expect(res.body).toMatchObject({
      state: 'cancelled',
      cancel: { mode: 'immediate', reason: 'not needed' },
    })
    await request.post(`/v1/jobs/${first.id}/cancel`).send({}).expect(202)
    await jobInState(request, first.id, 'cancelled')
    expect(observed.attempts.has(second.id)).toBe(false)
  })

  it('a running job: 202 cancelling, then cancelled, events in that order, cleanup logged', async () => {
    const { request, engine } = await buildTestApp()
    const events: string[] = []
    engine.events.on('job', ({ type, job }) => events.push(`${type}:${job.state}`))
    const job = (
      await request
        .post('/v1/jobs')
        .send({ type: 'sleep', params: { ms: 60_000 } })
        .expect(201)
    ).body
    await jobInState(request, job.id, 'running')
    const res = await request.post(`/v1/jobs/${job.id}/cancel`).send({ reason: 'stop' }).expect(202)
    expect(res.body).toMatchObject({ state: 'cancelling', cancel: { mode: 'immediate', reason: 'stop' } })
    const done = await jobInState(request, job.id, 'cancelled')
    expect(done.cancel).toMatchObject({ mode: 'immediate', reason: 'stop', forced: false })
    expect(events).toEqual([
      'job:created:queued',
      'job:started:running',
      'job:cancelling:cancelling',
      'job:finished:cancelled',
    ])
    const logs = (await request.get(`/v1/jobs/${job.id}/logs`)).body.items
    expect(logs.map((l: { msg: string }) => l.msg).join()).toContain('cleaning up')
  })

  it('a delayed job is cancelled at once', async () => {
    const { request } = await buildTestApp()
    const job = (await request.post('/v1/jobs').send({ type: 'noop', delayMs: 60_000 }).expect(201)).body
    expect(job.state).toBe('scheduled')
    expect((await request.post(`/v1/jobs/${job.id}/cancel`).send({}).expect(200)).body.state).toBe(
      'cancelled',
    )
  })

  it('graceful: stopSignal lets the handler finish its unit and succeed', async () => {
    const { request, observed } = await buildTestApp()
    const job = (await request.post('/v1/jobs').send({ type: 'blocking' }).expect(201)).body
    await jobInState(request, job.id, 'running')
    const res = await request.post(`/v1/jobs/${job.id}/cancel`).send({ mode: 'graceful' }).expect(202)
    expect(res.body.state).toBe('cancelling')
    const done = await jobInState(request, job.id, 'succeeded')
    expect(done.result.stoppedAfter).toBeGreaterThanOrEqual(0)
    expect(done.cancel).toMatchObject({ mode: 'graceful' })
    expect(observed.cleanups).toEqual([])
  })

  it('graceful escalates to immediate after graceMs when the handler does not stop', async () => {
    const { request } = await buildTestApp()
    const job = (
      await request
        .post('/v1/jobs')
        .send({ type: 'sleep', params: { ms: 60_000 } })
        .expect(201)
    ).body
    await jobInState(request, job.id, 'running')
    await request.post(`/v1/jobs/${job.id}/cancel`).send({ mode: 'graceful', graceMs: 30 }).expect(202)
    const done = await jobInState(request, job.id, 'cancelled')
    // sleep honours the abort, so the escalation settles normally: not forced.
    expect(done.cancel.forced).toBe(false)
  })

  it('a repeat cancel on a cancelling job is 202; immediate escalates a graceful request', async () => {
    const { request } = await buildTestApp()
    const job = (await request.post('/v1/jobs').send({ type: 'never-settles' }).expect(201)).body
    await jobInState(request, job.id, 'running')
    await request.post(`/v1/jobs/${job.id}/cancel`).send({ mode: 'graceful', graceMs: 60_000 }).expect(202)
    const again = await request.post(`/v1/jobs/${job.id}/cancel`).send({ mode: 'graceful' }).expect(202)
    expect(again.body.cancel.mode).toBe('graceful')
    const escalated = await request.post(`/v1/jobs/${job.id}/cancel`).send({ graceMs: 20 }).expect(202)
    expect(escalated.body.cancel.mode).toBe('immediate')
    await jobInState(request, job.id, 'cancelled')
  })

  it('a handler that ignores its signal is forced after graceMs: slot freed, late result ignored', async () => {
    const { request, engine, observed } = await buildTestApp({ JOBVISOR_MAX_CONCURRENCY: '1' })
    const order: string[] = []
    const stubborn = (
      await request
        .post('/v1/jobs')
        .send({ type: 'gated', params: { gate: 'stubborn', ignoresSignal: true } })
        .expect(201)
    ).body
    const next = (await request.post('/v1/jobs').send({ type: 'noop' }).expect(201)).body
    engine.events.on('job', ({ type, job }) => {
      if (type === 'job:finished') order.push(`${job.id === stubborn.id ? 'stubborn' : 'next'} ${job.state}`)
    })
    await jobInState(request, stubborn.id, 'running')
    await request.post(`/v1/jobs/${stubborn.id}/cancel`).send({ graceMs: 20 }).expect(202)
    const forced = await jobInState(request, stubborn.id, 'cancelled')
    expect(forced.cancel.forced).toBe(true)
    // The slot was freed at the forced completion, while the handler still held its gate.
    await jobInState(request, next.id, 'succeeded')
    expect(order).toEqual(['stubborn cancelled', 'next succeeded'])
    expect(observed.gates.returned).toEqual([])
    observed.gates.open('stubborn')
    await waitFor(() => observed.gates.returned.includes(stubborn.id))
    const after = (await request.get(`/v1/jobs/${stubborn.id}`)).body
    expect(after).toMatchObject({ state: 'cancelled', result: null })
    expect(order).toEqual(['stubborn cancelled', 'next succeeded']) // the late result changed nothing
    expect(engine.runningCount).toBe(0)
  })

  it('cancelling a finished job is 409 with the job; an unknown job is 404', async () => {
    const { request } = await buildTestApp()
    const job = (await request.post('/v1/jobs').send({ type: 'noop' }).expect(201)).body
    await jobInState(request, job.id, 'succeeded')
    const res = await request.post(`/v1/jobs/${job.id}/cancel`).send({}).expect(409)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.body.job).toMatchObject({ id: job.id, state: 'succeeded' })
    await request.post('/v1/jobs/nope/cancel').send({}).expect(404)
  })
})
