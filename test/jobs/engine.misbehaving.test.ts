import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import type { JobContext } from '../../src/jobs/define.ts'
import { buildTestApp } from '../helpers/app.ts'
import { waitFor } from '../helpers/wait-for.ts'

describe('misbehaving handlers (QUALITY R4)', () => {
  it('a handler that throws a non-Error fails with a readable error', async () => {
    const { request } = await buildTestApp()
    const job = (await request.post('/v1/jobs').send({ type: 'throws-non-error' })).body
    const res = await request
      .post('/v1/jobs/wait')
      .send({ ids: [job.id], timeoutMs: 5000 })
      .expect(200)
    expect(res.body.done[0]).toMatchObject({
      state: 'failed',
      error: { name: 'JobError', code: 'non_error_thrown', message: 'non-Error thrown: {"not":"an error"}' },
    })
  })

  it('handlers that never settle hold their slots; the service keeps serving other work', async () => {
    const { request, engine } = await buildTestApp({ JOBVISOR_MAX_CONCURRENCY: '3' })
    const stuck = await Promise.all(
      [1, 2].map(() => request.post('/v1/jobs').send({ type: 'never-settles' })),
    )
    const ok = (await request.post('/v1/jobs').send({ type: 'noop' })).body
    const res = await request
      .post('/v1/jobs/wait')
      .send({ ids: [ok.id], timeoutMs: 5000 })
      .expect(200)
    expect(res.body.done[0].state).toBe('succeeded')
    expect(engine.runningCount).toBe(2)
    for (const { body } of stuck)
      await request.post(`/v1/jobs/${body.id}/cancel`).send({ graceMs: 10 }).expect(202)
    await waitFor(() => engine.runningCount === 0)
    await request.get('/healthz').expect(200)
  })

  it('a result that is not JSON, or too large, fails the job instead of breaking the store', async () => {
    const { request, registry } = await buildTestApp()
    const { z } = await import('zod')
    const circular: Record<string, unknown> = {}
    circular.self = circular
    registry
      .register({ name: 'bigint', description: '', params: z.object({}), run: async () => 10n })
      .register({ name: 'circular', description: '', params: z.object({}), run: async () => circular })
      .register({
        name: 'huge',
        description: '',
        params: z.object({}),
        run: async () => 'x'.repeat(2 * 1024 * 1024),
      })
    const created = await Promise.all(
      ['bigint', 'circular', 'huge'].map(
        async (type) => (await request.post('/v1/jobs').send({ type })).body.id,
      ),
    )
    const res = await request.post('/v1/jobs/wait').send({ ids: created, timeoutMs: 5000 }).expect(200)
    expect(res.body.done.map((j: { error: { code: string } }) => j.error.code)).toEqual([
      'invalid_result',
      'invalid_result',
      'result_too_large',
    ])
  })

  it('leaves no abort listeners and no running executions behind', async () => {
    const { request, engine, registry } = await buildTestApp()
    const contexts: JobContext[] = []
    registry.register({
      name: 'captures',
      description: 'keeps its context for inspection',
      params: (await import('zod')).z.object({}),
      async run(_p, ctx) {
        contexts.push(ctx)
        await ctx.sleep(1)
        return null
      },
    })
    const jobs = (
      await request
        .post('/v1/jobs/batch')
        .send({ jobs: Array.from({ length: 5 }, () => ({ type: 'captures' })) })
        .expect(201)
    ).body.items
    await request
      .post('/v1/jobs/wait')
      .send({ ids: jobs.map((j: { id: string }) => j.id), timeoutMs: 5000 })
      .expect(200)
    await waitFor(() => engine.runningCount === 0)
    for (const ctx of contexts) {
      expect(getEventListeners(ctx.signal, 'abort')).toHaveLength(0)
      expect(getEventListeners(ctx.stopSignal, 'abort')).toHaveLength(0)
    }
  })

  it('plain-JS handlers that return a value or throw synchronously end succeeded / failed', async () => {
    const { request, registry } = await buildTestApp()
    const { z } = await import('zod')
    const sync = (name: string, run: () => unknown) =>
      registry.register({
        name,
        description: 'not async',
        params: z.object({}),
        run: run as unknown as () => Promise<unknown>,
      })
    sync('returns-sync', () => ({ answer: 42 }))
    sync('throws-sync', () => {
      throw new Error('sync boom')
    })
    const ids = []
    for (const type of ['returns-sync', 'throws-sync'])
      ids.push((await request.post('/v1/jobs').send({ type })).body.id)
    const res = await request.post('/v1/jobs/wait').send({ ids, timeoutMs: 5000 }).expect(200)
    expect(res.body.done.map((j: { state: string }) => j.state)).toEqual(['succeeded', 'failed'])
    expect(res.body.done[0].result).toEqual({ answer: 42 })
    expect(res.body.done[1].error).toMatchObject({ message: 'sync boom' })
  })
})
