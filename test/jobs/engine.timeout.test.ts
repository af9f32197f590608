import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/app.ts'
import { jobInState } from '../helpers/wait-for.ts'

const finished = (request: Awaited<ReturnType<typeof buildTestApp>>['request'], id: string) =>
  jobInState(request, id, 'succeeded', 'failed', 'timed_out', 'cancelled')

describe('timeouts (SPEC §3)', () => {
  it('a handler that ignores the timeout is forced to timed_out after the grace, and its slot freed', async () => {
    const { request, engine } = await buildTestApp({ JOBVISOR_GRACE_MS: '30', JOBVISOR_MAX_CONCURRENCY: '1' })
    const job = (await request.post('/v1/jobs').send({ type: 'never-settles', timeoutMs: 20 }).expect(201))
      .body
    const next = (await request.post('/v1/jobs').send({ type: 'noop' }).expect(201)).body
    const done = await finished(request, job.id)
    expect(done).toMatchObject({ state: 'timed_out', error: { name: 'TimeoutError', code: 'timed_out' } })
    expect((await finished(request, next.id)).state).toBe('succeeded')
    expect(engine.runningCount).toBe(0)
  })

  it('the clock starts when the job runs, not when it is queued', async () => {
    const { request } = await buildTestApp({ JOBVISOR_MAX_CONCURRENCY: '1' })
    const blocker = (
      await request
        .post('/v1/jobs')
        .send({ type: 'sleep', params: { ms: 600 } })
        .expect(201)
    ).body
    // 400 ms: shorter than the wait in the queue, with room for a claim through a loaded database
    // (the clock counts from the stored startedAt, which the claim stamps before its round trip).
    const job = (
      await request
        .post('/v1/jobs')
        .send({ type: 'sleep', params: { ms: 20 }, timeoutMs: 400 })
        .expect(201)
    ).body
    expect((await finished(request, blocker.id)).state).toBe('succeeded')
    // Queued for ~600 ms, longer than its timeout, and still succeeds: the timeout counts from running.
    expect((await finished(request, job.id)).state).toBe('succeeded')
  })

  it('JOBVISOR_MAX_TIMEOUT_MS caps a longer timeout and bounds jobs without one', async () => {
    const { request } = await buildTestApp({ JOBVISOR_MAX_TIMEOUT_MS: '40' })
    const long = (
      await request.post('/v1/jobs').send({ type: 'sleep', params: { ms: 5000 }, timeoutMs: 60_000 })
    ).body
    const none = (await request.post('/v1/jobs').send({ type: 'sleep', params: { ms: 5000 } })).body
    expect((await finished(request, long.id)).state).toBe('timed_out')
    expect((await finished(request, none.id)).state).toBe('timed_out')
  })
})
