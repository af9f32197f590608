import { getPriority } from 'node:os'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/app.ts'
import { waitFor } from '../helpers/wait-for.ts'

/** Worker-isolated types from a module, as a user's would be (SPEC §9, QUALITY R8). */
// One thread where a test needs no more: each thread started from source compiles the TS it loads.
const ENV = {
  JOBVISOR_TYPES: 'test/fixtures/worker-types.ts',
  JOBVISOR_WORKERS: '1',
  JOBVISOR_GRACE_MS: '300',
}
const TWO_THREADS = { ...ENV, JOBVISOR_WORKERS: '2' }

type Request = Awaited<ReturnType<typeof buildTestApp>>['request']

async function create(request: Request, body: object): Promise<string> {
  return (await request.post('/v1/jobs').send(body).expect(201)).body.id
}

/**
 * Polls until the job is in one of `states`. Generous: threads run at nice +10 and, from source,
 * compile their TypeScript first, so on a machine saturated by other suites they start slowly.
 */
const PATIENCE_MS = 60_000
const settled = (request: Request, id: string, ...states: string[]) =>
  waitFor(
    async () => {
      const body = (await request.get(`/v1/jobs/${id}`)).body
      return states.includes(body.state) && body
    },
    { timeoutMs: PATIENCE_MS, intervalMs: 20 },
  )

const logsOf = async (request: Request, id: string): Promise<{ level: string; msg: string }[]> =>
  (await request.get(`/v1/jobs/${id}/logs`)).body.items

describe("isolation: 'worker' (SPEC §9)", { timeout: 2 * PATIENCE_MS }, () => {
  it('lists the type as worker-isolated, its concurrency capped by the pool', async () => {
    const { request } = await buildTestApp(TWO_THREADS)
    const items: { name: string; isolation: string; concurrency: number | null }[] = (
      await request.get('/v1/job-types').expect(200)
    ).body.items
    expect(items.find((t) => t.name === 'cpu.spin')).toMatchObject({ isolation: 'worker', concurrency: 2 })
    expect(items.find((t) => t.name === 'noop')).toMatchObject({ isolation: 'none' })
  })

  it('runs in a worker thread: result, logs (fields that cannot be cloned replaced) and progress cross', async () => {
    const { request } = await buildTestApp(ENV)
    const id = await create(request, { type: 'cpu.bridge', params: { mode: 'result' } })
    const job = await settled(request, id, 'succeeded', 'failed')
    expect(job).toMatchObject({
      state: 'succeeded',
      result: { jobId: id, inWorker: true },
      progress: { percent: 50, message: 'half way' },
    })
    // The thread runs at nice +10 (or the ceiling, 19); the service's own thread is left as it was.
    expect(job.result.nice).toBe(Math.min(getPriority(0) + 10, 19))
    const logs = await logsOf(request, id)
    expect(logs.map((l) => [l.level, l.msg.split(' ')[0]])).toEqual([
      ['info', 'bridge'],
      ['warn', 'fields'],
    ])
    expect(logs[0]?.msg).toContain('"mode":"result"')
    expect(logs[1]?.msg).toContain('[not cloneable]')
  })

  it('an error crosses with its name, message and code; a result that cannot be cloned fails clearly', async () => {
    const { request } = await buildTestApp(TWO_THREADS)
    const thrown = await create(request, { type: 'cpu.bridge', params: { mode: 'throw' } })
    const uncloneable = await create(request, { type: 'cpu.bridge', params: { mode: 'not-cloneable' } })
    expect((await settled(request, thrown, 'failed', 'succeeded')).error).toEqual({
      name: 'QuotaError',
      message: 'over quota',
      code: 'quota_exceeded',
    })
    const failed = await settled(request, uncloneable, 'failed', 'succeeded')
    expect(failed.error).toMatchObject({ name: 'ResultError', code: 'result_not_cloneable' })
    expect(failed.error.message).toMatch(/not structured-cloneable.*could not be cloned/)
  })

  it('a cancel reaches the handler in its thread as a CancelledError, and it cleans up (not forced)', async () => {
    const { request } = await buildTestApp(ENV)
    const id = await create(request, { type: 'cpu.bridge', params: { mode: 'until-aborted' } })
    await waitFor(async () => (await logsOf(request, id)).length > 0, { timeoutMs: PATIENCE_MS })
    await request.post(`/v1/jobs/${id}/cancel`).send({ reason: 'enough' }).expect(202)
    const job = await settled(request, id, 'cancelled')
    expect(job.cancel).toMatchObject({ reason: 'enough', forced: false })
    const cleanup = (await logsOf(request, id)).find((l) => l.msg.startsWith('cleanup'))
    expect(cleanup?.msg).toContain('"isCancelledError":true')
  })

  it('a graceful cancel fires stopSignal in the thread; the handler returns and succeeds', async () => {
    const { request } = await buildTestApp(ENV)
    const id = await create(request, { type: 'cpu.bridge', params: { mode: 'until-stopped' } })
    await waitFor(async () => (await logsOf(request, id)).length > 0, { timeoutMs: PATIENCE_MS })
    await request.post(`/v1/jobs/${id}/cancel`).send({ mode: 'graceful' }).expect(202)
    expect((await settled(request, id, 'succeeded', 'cancelled')).result).toEqual({
      stoppedBy: 'CancelledError',
    })
  })

  it('R8: a spinning run times out and is forced by terminating its thread; a cancelled one too; the pool recovers', async () => {
    const { request } = await buildTestApp(TWO_THREADS)
    const timedOut = await create(request, { type: 'cpu.spin', params: {}, timeoutMs: 500 })
    const cancelled = await create(request, { type: 'cpu.spin', params: {} })
    await settled(request, cancelled, 'running')
    // Both threads spin; the event loop of this process still answers.
    await request.get('/healthz').expect(200)
    await request.post(`/v1/jobs/${cancelled}/cancel`).send({ graceMs: 200 }).expect(202)

    const t = await settled(request, timedOut, 'timed_out', 'failed', 'succeeded')
    expect(t).toMatchObject({ state: 'timed_out', error: { name: 'TimeoutError', code: 'timed_out' } })
    const c = await settled(request, cancelled, 'cancelled', 'failed', 'succeeded')
    expect(c.cancel).toMatchObject({ mode: 'immediate', forced: true })
    for (const id of [timedOut, cancelled]) {
      // Joined the outcome's commit: visible as soon as the job is.
      expect((await logsOf(request, id)).map((l) => l.msg)).toContain(
        'worker terminated: the run did not settle within its grace after the abort',
      )
    }
    // Both threads were replaced: two more runs succeed, each on a new thread.
    const next = [
      await create(request, { type: 'cpu.spin', params: { ms: 1 } }),
      await create(request, { type: 'cpu.spin', params: { ms: 1 } }),
    ]
    for (const id of next) expect((await settled(request, id, 'succeeded', 'failed')).state).toBe('succeeded')
  })
})
