import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/app.ts'
import { jobInState, waitFor } from '../helpers/wait-for.ts'

const ids = (jobs: { id: string }[]) => jobs.map((j) => j.id)

describe('POST /v1/jobs/wait (SPEC §3)', () => {
  it('first_completed returns as soon as one job is done', async () => {
    const { request } = await buildTestApp()
    const fast = (await request.post('/v1/jobs').send({ type: 'sleep', params: { ms: 10 } })).body
    const slow = (await request.post('/v1/jobs').send({ type: 'blocking' })).body
    const res = await request
      .post('/v1/jobs/wait')
      .send({ ids: [slow.id, fast.id], timeoutMs: 10_000, returnWhen: 'first_completed' })
      .expect(200)
    expect(ids(res.body.done)).toEqual([fast.id])
    expect(ids(res.body.pending)).toEqual([slow.id])
    // Still pending: running, or (a claim through a shared store takes longer) not yet started.
    expect(['queued', 'running']).toContain(res.body.pending[0].state)
  })

  it('first_failure returns on a failure (timed_out counts), else when all are done', async () => {
    const { request } = await buildTestApp()
    const ok = (await request.post('/v1/jobs').send({ type: 'noop' })).body
    // Done before the wait starts, so `pending` below cannot depend on how fast a noop runs.
    await jobInState(request, ok.id, 'succeeded')
    const bad = (await request.post('/v1/jobs').send({ type: 'blocking', timeoutMs: 30 })).body
    const slow = (await request.post('/v1/jobs').send({ type: 'blocking' })).body
    const res = await request
      .post('/v1/jobs/wait')
      .send({ ids: [ok.id, bad.id, slow.id], timeoutMs: 10_000, returnWhen: 'first_failure' })
      .expect(200)
    expect(res.body.done.find((j: { id: string }) => j.id === bad.id).state).toBe('timed_out')
    expect(ids(res.body.pending)).toEqual([slow.id])

    const a = (await request.post('/v1/jobs').send({ type: 'noop' })).body
    const b = (await request.post('/v1/jobs').send({ type: 'noop' })).body
    const all = await request
      .post('/v1/jobs/wait')
      .send({ ids: [a.id, b.id], timeoutMs: 10_000, returnWhen: 'first_failure' })
      .expect(200)
    expect(all.body.done).toHaveLength(2)
  })

  it('timeoutMs 0 polls without waiting', async () => {
    const { request } = await buildTestApp()
    const job = (await request.post('/v1/jobs').send({ type: 'blocking' })).body
    const res = await request
      .post('/v1/jobs/wait')
      .send({ ids: [job.id], timeoutMs: 0 })
      .expect(200)
    expect(res.body.done).toEqual([])
    expect(ids(res.body.pending)).toEqual([job.id])
  })

  it('unknown ids are 404', async () => {
    const { request } = await buildTestApp()
    const job = (await request.post('/v1/jobs').send({ type: 'noop' })).body
    const res = await request
      .post('/v1/jobs/wait')
      .send({ ids: [job.id, 'missing-1'] })
      .expect(404)
    expect(res.body.detail).toContain('missing-1')
  })

  it('a 404 names at most ten unknown ids and says how many more', async () => {
    const { request } = await buildTestApp()
    const unknown = Array.from({ length: 1000 }, (_, i) => `missing-${String(i).padStart(4, '0')}`)
    const res = await request.post('/v1/jobs/wait').send({ ids: unknown }).expect(404)
    expect(res.body.detail).toBe(`1000 jobs do not exist: ${unknown.slice(0, 10).join(', ')} and 990 more`)
  })

  it('a wait held at shutdown answers with its jobs as they are, before the connection closes', async () => {
    const { app, engine, request, service } = await buildTestApp()
    const done = (await request.post('/v1/jobs').send({ type: 'noop' })).body
    await jobInState(request, done.id, 'succeeded')
    // Delayed: the drain leaves it alone, so only the shutdown can end this wait.
    const later = (await request.post('/v1/jobs').send({ type: 'noop', delayMs: 3_600_000 })).body
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/v1/jobs/wait' }, (res) => {
        let body = ''
        res.on('data', (chunk) => {
          body += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      req.setHeader('content-type', 'application/json')
      req.on('error', reject)
      req.end(JSON.stringify({ ids: [done.id, later.id], timeoutMs: 600_000, cancelPending: true }))
    })
    await waitFor(() => engine.watchedJobCount === 2)
    await service.shutdown(0)
    const { status, body } = await answer
    expect(status).toBe(200)
    const reply = JSON.parse(body)
    expect(ids(reply.done)).toEqual([done.id])
    // Reported as it is: a shutdown is not the wait's own end, so cancelPending does not apply.
    expect(reply.pending).toMatchObject([{ id: later.id, state: 'scheduled' }])
    expect(engine.watchedJobCount).toBe(0)
  })

  it('a client that disconnects releases the wait', async () => {
    const { app, engine, request } = await buildTestApp()
    const job = (await request.post('/v1/jobs').send({ type: 'blocking' })).body
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/v1/jobs/wait' })
    req.setHeader('content-type', 'application/json')
    req.on('error', () => {})
    req.end(JSON.stringify({ ids: [job.id], timeoutMs: 60_000 }))
    await waitFor(() => engine.watchedJobCount === 1)
    req.destroy()
    await waitFor(() => engine.watchedJobCount === 0)
  })
})
