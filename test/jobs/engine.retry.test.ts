import { describe, expect, it } from 'vitest'
import { retryDelayMs } from '../../src/model/retry.ts'
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

  it.each([
    ['fixed', { type: 'fixed', delayMs: 15 }, [15, 15, 15, 15]],
    ['exponential', { type: 'exponential', delayMs: 10 }, [10, 20, 40, 80]],
    ['exponential, capped', { type: 'exponential', delayMs: 10, maxDelayMs: 30 }, [10, 20, 30, 30]],
  ])(
    'schedules each retry after the %s backoff: runAt − the failure time',
    async (_name, backoff, delays) => {
      const { engine } = await buildTestApp()
      const retries: { attempt: number; gap: number }[] = []
      const starts: { attempt: number; startedAt: number; runAt: number | null }[] = []
      let id = ''
      engine.events.on('job', ({ type, job }) => {
        if (job.id !== id) return
        // The retry write stamps updatedAt with the failure time and runAt with failure + backoff.
        if (type === 'job:retrying')
          retries.push({ attempt: job.attempt, gap: (job.runAt ?? 0) - job.updatedAt })
        if (type === 'job:started')
          starts.push({ attempt: job.attempt, startedAt: job.startedAt ?? 0, runAt: job.runAt })
      })
      const { job } = await engine.create({
        type: 'flaky',
        params: { failures: delays.length },
        priority: 0,
        retry: { maxAttempts: delays.length + 1, backoff: backoff as { type: 'fixed'; delayMs: number } },
      })
      id = job.id
      const [done] = (
        await engine.wait([id], { timeoutMs: 10_000, returnWhen: 'all_completed', cancelPending: false })
      ).done
      expect(done).toMatchObject({ state: 'succeeded', attempt: delays.length + 1 })
      expect(retries).toEqual(delays.map((gap, i) => ({ attempt: i + 2, gap })))
      // No retry starts before its runAt.
      expect(starts.slice(1).every((s) => s.runAt !== null)).toBe(true)
      for (const start of starts.slice(1)) expect(start.startedAt).toBeGreaterThanOrEqual(start.runAt ?? 0)
    },
  )

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
