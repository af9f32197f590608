import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/app.ts'
import { waitFor } from '../helpers/wait-for.ts'

describe('seed scenarios', () => {
  it('cancels a long job: 202 cancelling, cleanup runs, ends cancelled', async () => {
    const { request, observed } = await buildTestApp()
    const created = await request.post('/v1/jobs').send({ type: 'blocking', params: {} }).expect(201)
    expect(created.headers.location).toBe(`/v1/jobs/${created.body.id}`)
    const id: string = created.body.id
    await waitFor(async () => (await request.get(`/v1/jobs/${id}`)).body.state === 'running')

    const cancel = await request.post(`/v1/jobs/${id}/cancel`).send({ reason: 'user asked' }).expect(202)
    expect(cancel.body.state).toBe('cancelling')
    expect(cancel.body.cancel).toMatchObject({ mode: 'immediate', reason: 'user asked', forced: false })

    const done = await request
      .post('/v1/jobs/wait')
      .send({ ids: [id], timeoutMs: 5000 })
      .expect(200)
    expect(done.body.done[0]).toMatchObject({ id, state: 'cancelled', cancel: { forced: false } })
    expect(observed.cleanups).toEqual([{ jobId: id, reason: 'CancelledError' }])
    await request.post(`/v1/jobs/${id}/cancel`).send({}).expect(409)
  })

  it('times out a job: timed_out with a TimeoutError, cleanup runs', async () => {
    const { request, observed } = await buildTestApp()
    const { body } = await request.post('/v1/jobs').send({ type: 'blocking', timeoutMs: 50 }).expect(201)
    const waited = await request
      .post('/v1/jobs/wait')
      .send({ ids: [body.id], timeoutMs: 5000 })
      .expect(200)
    const job = waited.body.done[0]
    expect(job.state).toBe('timed_out')
    expect(job.error).toMatchObject({ name: 'TimeoutError', code: 'timed_out' })
    expect(Date.parse(job.finishedAt) - Date.parse(job.startedAt)).toBeGreaterThanOrEqual(50)
    expect(observed.cleanups).toEqual([{ jobId: body.id, reason: 'TimeoutError' }])
  })

  it('waits on three jobs with a timeout: done and pending, then cancels the rest', async () => {
    const { request } = await buildTestApp()
    const ids: string[] = []
    for (const ms of [10, 20, 60_000]) {
      ids.push((await request.post('/v1/jobs').send({ type: 'sleep', params: { ms } }).expect(201)).body.id)
    }
    const res = await request
      .post('/v1/jobs/wait')
      .send({ ids, timeoutMs: 1000, returnWhen: 'all_completed', cancelPending: true })
      .expect(200)
    expect(res.body.done.map((j: { id: string }) => j.id).sort()).toEqual(ids.slice(0, 2).sort())
    expect(res.body.done.every((j: { state: string }) => j.state === 'succeeded')).toBe(true)
    expect(res.body.pending).toHaveLength(1)
    expect(res.body.pending[0]).toMatchObject({ id: ids[2] })
    expect(['cancelling', 'cancelled']).toContain(res.body.pending[0].state)
    await waitFor(async () => (await request.get(`/v1/jobs/${ids[2]}`)).body.state === 'cancelled')
  })
})
