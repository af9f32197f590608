import { describe, expect, it } from 'vitest'
import { retryDelayMs } from '../../src/jobs/retry.ts'
import { buildTestApp } from '../helpers/app.ts'

describe('retries (SPEC §3)', () => {
  it('computes fixed and exponential backoff, capped', () => {
    const fixed = { maxAttempts: 5, backoff: { type: 'fixed' as const, delayMs: 100 } }
    expect([2, 3, 4].map((a) => retryDelayMs(fixed, a))).toEqual([100, 100, 100])
    const exp = { maxAttempts: 6, backoff: { type: 'exponential' as const, delayMs: 100, maxDelayMs: 500 } }
    expect([2, 3, 4, 5, 6].map((a) => retryDelayMs(exp, a))).toEqual([100, 200, 400, 500, 500])
    expect(retryDelayMs({ maxAttempts: 3 }, 2)).toBe(0)
  })

  it('retries a failing job until it succeeds, counting attempts from 1, passing through scheduled', async () => {
    const { engine, request } = await buildTestApp()
    const seen: string[] = []
    engine.events.on('job', ({ type, job }) => {
      if (job.type === 'flaky') seen.push(`${type}:${job.state}:${job.attempt}`)
    })
    const job = (
      await request
        .post('/v1/jobs')
        .send({
          type: 'flaky',
          params: { failures: 2 },
          retry: { maxAttempts: 3, backoff: { type: 'exponential', delayMs: 10 } },
        })
        .expect(201)
    ).body
    const res = await request
      .post('/v1/jobs/wait')
      .send({ ids: [job.id], timeoutMs: 5000 })
      .expect(200)
    expect(res.body.done[0]).toMatchObject({ state: 'succeeded', attempt: 3, result: { attempt: 3 } })
    expect(seen).toEqual([
      'job:created:queued:1',
      'job:started:running:1',
      'job:retrying:scheduled:2',
      'job:queued:queued:2',
      'job:started:running:2',
      'job:retrying:scheduled:3',
      'job:queued:queued:3',
      'job:started:running:3',
      'job:finished:succeeded:3',
    ])
    const logs = (await request.get(`/v1/jobs/${job.id}/logs`).expect(200)).body
    expect(logs.items.map((l: { msg: string }) => l.msg)).toEqual(['flaky succeeded {"attempt":3}'])
  })

  it('fails for good when attempts run out, keeping the last error', async () => {
    const { request } = await buildTestApp()
    const job = (
      await request
        .post('/v1/jobs')
        .send({ type: 'flaky', params: { failures: 5 }, retry: { maxAttempts: 2 } })
        .expect(201)
    ).body
    const res = await request
      .post('/v1/jobs/wait')
      .send({ ids: [job.id], timeoutMs: 5000 })
      .expect(200)
    expect(res.body.done[0]).toMatchObject({
      state: 'failed',
      attempt: 2,
      error: { message: 'attempt 2 failed' },
    })
  })

  it('never retries a cancelled job', async () => {
    const { request } = await buildTestApp()
    const job = (
      await request
        .post('/v1/jobs')
        .send({ type: 'blocking', retry: { maxAttempts: 5 } })
        .expect(201)
    ).body
    await request.post('/v1/jobs/wait').send({ ids: [job.id], timeoutMs: 50 })
    await request.post(`/v1/jobs/${job.id}/cancel`).send({}).expect(202)
    const res = await request
      .post('/v1/jobs/wait')
      .send({ ids: [job.id], timeoutMs: 5000 })
      .expect(200)
    expect(res.body.done[0]).toMatchObject({ state: 'cancelled', attempt: 1 })
  })
})
