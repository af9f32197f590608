import { describe, expect, it } from 'vitest'
import type { JobRecord } from '../../src/model/job.ts'
import { buildTestApp } from '../helpers/app.ts'

type TestApp = Awaited<ReturnType<typeof buildTestApp>>

/** Records job:started order and the peak number running, overall and for one type. */
function watchStarts({ engine }: TestApp, type?: string) {
  const started: string[] = []
  let running = 0
  let peak = 0
  engine.events.on('job', ({ type: event, job }) => {
    if (type !== undefined && job.type !== type) return
    if (event === 'job:started') {
      started.push(job.id)
      peak = Math.max(peak, ++running)
    }
    if (event === 'job:finished') running--
  })
  return { started, peak: () => peak }
}

const waitAll = (app: TestApp, ids: string[]) =>
  app.request.post('/v1/jobs/wait').send({ ids, timeoutMs: 10_000 }).expect(200)

describe('creates that skip the queue (a free slot, nothing queued)', () => {
  it('are stored running in the same write: 201 shows queued, events created then started, no claim', async () => {
    const app = await buildTestApp()
    const claimed: string[] = []
    const claim = app.store.jobs.claim.bind(app.store.jobs)
    app.store.jobs.claim = async (...args) => {
      const rows = await claim(...args)
      claimed.push(...rows.map((r) => r.id))
      return rows
    }
    const events: string[] = []
    app.engine.events.on('job', ({ type, job }) => events.push(`${type}:${job.state}`))
    const res = await app.request.post('/v1/jobs').send({ type: 'blocking' }).expect(201)
    expect(res.body.state).toBe('queued')
    const stored = (await app.request.get(`/v1/jobs/${res.body.id}`).expect(200)).body
    expect(stored).toMatchObject({ state: 'running', attempt: 1 })
    expect(Date.parse(stored.startedAt)).toBeGreaterThanOrEqual(Date.parse(stored.createdAt))
    expect(events.slice(0, 2)).toEqual(['job:created:queued', 'job:started:running'])
    expect(claimed).not.toContain(res.body.id)
    await app.request.post(`/v1/jobs/${res.body.id}/cancel`).send({}).expect(202)
  })

  it('concurrent single creates never exceed JOBVISOR_MAX_CONCURRENCY nor a per-type limit', async () => {
    const app = await buildTestApp({ JOBVISOR_MAX_CONCURRENCY: '3' })
    const all = watchStarts(app)
    const limited = watchStarts(app, 'limited')
    const bodies = [
      ...Array.from({ length: 9 }, () => ({ type: 'sleep', params: { ms: 40 } })),
      ...Array.from({ length: 5 }, () => ({ type: 'limited', params: { ms: 40 } })),
    ]
    const created = await Promise.all(
      bodies.map((body) => app.request.post('/v1/jobs').send(body).expect(201)),
    )
    const { body } = await waitAll(
      app,
      created.map((r) => r.body.id),
    )
    expect(body.done.every((j: JobRecord) => j.state === 'succeeded')).toBe(true)
    // The bound is the point; a loaded machine may not always fill every slot at once.
    expect(all.peak()).toBeLessThanOrEqual(3)
    expect(all.peak()).toBeGreaterThan(1)
    expect(limited.peak()).toBeLessThanOrEqual(2)
  })

  it('never jump jobs queued before them, even before those are stored', async () => {
    const app = await buildTestApp({ JOBVISOR_MAX_CONCURRENCY: '10' })
    const { started } = watchStarts(app)
    const sleep = { type: 'sleep', params: { ms: 5 }, priority: 0 }
    // Not awaited: the batch's insert is still in flight when the single create is made.
    const batch = app.engine.createMany(Array.from({ length: 5 }, () => sleep))
    const single = app.engine.create(sleep)
    const ids = [...(await batch).map((j) => j.id), (await single).job.id]
    await waitAll(app, ids)
    expect(started).toEqual(ids)
  })

  it('a create queues behind a queued job while slots are full, and runs after it', async () => {
    const app = await buildTestApp({ JOBVISOR_MAX_CONCURRENCY: '1' })
    const { started } = watchStarts(app)
    const create = async (ms: number) =>
      (await app.request.post('/v1/jobs').send({ type: 'sleep', params: { ms } }).expect(201)).body
        .id as string
    const a = await create(60)
    const b = await create(20)
    const c = await create(20)
    const d = await create(1)
    await waitAll(app, [a, b, c, d])
    expect(started).toEqual([a, b, c, d])
  })

  it('a create made as a slot frees up does not take it from the queued job waiting for it', async () => {
    const app = await buildTestApp({ JOBVISOR_MAX_CONCURRENCY: '1' })
    const { started, peak } = watchStarts(app)
    const sleep = (ms: number) => ({ type: 'sleep', params: { ms }, priority: 0 })
    const a = (await app.engine.create(sleep(30))).job
    const b = (await app.engine.create(sleep(10))).job
    let c: Promise<{ job: JobRecord }> | undefined
    app.engine.events.on('job', ({ type, job }) => {
      // A's slot is free from here on, and B is still queued.
      if (type === 'job:finished' && job.id === a.id) c = app.engine.create(sleep(1))
    })
    await waitAll(app, [a.id, b.id])
    const cId = (await (c as Promise<{ job: JobRecord }>)).job.id
    await waitAll(app, [cId])
    expect(started).toEqual([a.id, b.id, cId])
    expect(peak()).toBe(1)
  })

  it('a create that was under way when shutdown began is stored queued, not started during the drain', async () => {
    const app = await buildTestApp()
    const { started } = watchStarts(app)
    // A first job proves the queue empty: the next create could skip the queue.
    const first = await app.engine.create({ type: 'noop', params: {}, priority: 0 })
    await waitAll(app, [first.job.id])
    // The create has passed its checks and waits for queue room when the drain begins.
    const creating = app.engine.create({ type: 'noop', params: {}, priority: 0 })
    const draining = app.engine.drain(1000)
    const { job } = await creating
    await draining
    expect(started).toEqual([first.job.id])
    expect((await app.store.jobs.get(job.id))?.state).toBe('queued')
  })
})
