import { describe, expect, it } from 'vitest'
import { StorageUnavailableError } from '../../src/store/errors.ts'
import { buildTestApp } from '../helpers/app.ts'
import { jobInState, waitFor } from '../helpers/wait-for.ts'

describe('concurrency and order', () => {
  it('never runs more than JOBVISOR_MAX_CONCURRENCY jobs at once', async () => {
    const { engine, request } = await buildTestApp({ JOBVISOR_MAX_CONCURRENCY: '3' })
    let peak = 0
    let running = 0
    engine.events.on('job', ({ type }) => {
      if (type === 'job:started') peak = Math.max(peak, ++running)
      if (type === 'job:finished') running--
    })
    const jobs = Array.from({ length: 12 }, () => ({ type: 'sleep', params: { ms: 15 } }))
    const { items } = (await request.post('/v1/jobs/batch').send({ jobs }).expect(201)).body
    await request
      .post('/v1/jobs/wait')
      .send({ ids: items.map((j: { id: string }) => j.id), timeoutMs: 10_000 })
      .expect(200)
    expect(peak).toBe(3)
  })

  it('the claim for a freed slot overlaps the outcome write; the job it took starts once that outcome is stored', async () => {
    const { engine, request, store } = await buildTestApp({ JOBVISOR_MAX_CONCURRENCY: '1' })
    const events: string[] = []
    engine.events.on('job', ({ type, job }) => {
      if (type === 'job:started' || type === 'job:finished') events.push(`${type} ${job.labels.name}`)
    })
    // Outcome writes wait until the test lets them through; claims are recorded.
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const { jobs } = store
    const transition = jobs.transition.bind(jobs)
    const transitionWithoutRead = jobs.transitionWithoutRead.bind(jobs)
    const transitionKnown = jobs.transitionKnown.bind(jobs)
    jobs.transition = async (...args) => {
      if (args[2].state !== 'running') await held
      return transition(...args)
    }
    jobs.transitionWithoutRead = async (...args) => {
      await held
      return transitionWithoutRead(...args)
    }
    jobs.transitionKnown = async (...args) => {
      await held
      return transitionKnown(...args)
    }
    const claimed: string[] = []
    const claim = jobs.claim.bind(jobs)
    jobs.claim = async (...args) => {
      const rows = await claim(...args)
      claimed.push(...rows.map((r) => r.labels.name as string))
      return rows
    }
    const batch = [{ name: 'a' }, { name: 'b' }].map((labels) => ({ type: 'noop', labels }))
    const { items } = (await request.post('/v1/jobs/batch').send({ jobs: batch }).expect(201)).body
    await waitFor(() => events.includes('job:started a'))
    // a has settled and its outcome is held: b was claimed meanwhile, but does not run yet.
    await waitFor(() => claimed.includes('b'))
    expect(events).toEqual(['job:started a'])
    release()
    await request
      .post('/v1/jobs/wait')
      .send({ ids: items.map((j: { id: string }) => j.id), timeoutMs: 10_000 })
      .expect(200)
    expect(events).toEqual(['job:started a', 'job:finished a', 'job:started b', 'job:finished b'])
  })

  it('an outcome the store refuses takes its slot back: nothing more starts until it lands', async () => {
    const { engine, request, store } = await buildTestApp({ JOBVISOR_MAX_CONCURRENCY: '1' })
    const events: string[] = []
    engine.events.on('job', ({ type, job }) => {
      if (type === 'job:started' || type === 'job:finished') events.push(`${type} ${job.labels.name}`)
    })
    // a's outcome is refused (a storage fault) until the test lets it through; the rest is stored.
    let refusing = true
    let refused = 0
    const { jobs } = store
    const byName = new Map<string, string>()
    const refuse = (id: string) => {
      if (!refusing || byName.get(id) !== 'a') return
      refused++
      throw new StorageUnavailableError('refused by the test')
    }
    const transition = jobs.transition.bind(jobs)
    const transitionWithoutRead = jobs.transitionWithoutRead.bind(jobs)
    const transitionKnown = jobs.transitionKnown.bind(jobs)
    jobs.transition = async (...args) => {
      if (args[2].state !== 'running') refuse(args[0])
      return transition(...args)
    }
    jobs.transitionWithoutRead = async (...args) => {
      refuse(args[0])
      return transitionWithoutRead(...args)
    }
    jobs.transitionKnown = async (...args) => {
      refuse(args[0])
      return transitionKnown(...args)
    }
    const batch = ['a', 'b', 'c'].map((name) => ({ type: 'noop', labels: { name } }))
    const { items } = (await request.post('/v1/jobs/batch').send({ jobs: batch }).expect(201)).body
    for (const job of items) byName.set(job.id, job.labels.name)
    // b took the slot a gave up when it settled; a's refused outcome then took it back, so once b
    // is done nothing more starts, however often a's outcome is retried.
    await waitFor(() => events.includes('job:finished b') && refused >= 3, { timeoutMs: 10_000 })
    expect(events).toEqual(['job:started a', 'job:started b', 'job:finished b'])
    refusing = false
    await request
      .post('/v1/jobs/wait')
      .send({ ids: items.map((j: { id: string }) => j.id), timeoutMs: 10_000 })
      .expect(200)
    expect(events.slice(3)).toEqual(['job:finished a', 'job:started c', 'job:finished c'])
  })

  it('respects a per-type limit while other types keep running', async () => {
    const { engine, request } = await buildTestApp({ JOBVISOR_MAX_CONCURRENCY: '10' })
    let peakLimited = 0
    let limited = 0
    engine.events.on('job', ({ type, job }) => {
      if (job.type !== 'limited') return
      if (type === 'job:started') peakLimited = Math.max(peakLimited, ++limited)
      if (type === 'job:finished') limited--
    })
    const jobs = [
      ...Array.from({ length: 6 }, () => ({ type: 'limited', params: { ms: 20 } })),
      ...Array.from({ length: 3 }, () => ({ type: 'noop' })),
    ]
    const { items } = (await request.post('/v1/jobs/batch').send({ jobs }).expect(201)).body
    const res = await request
      .post('/v1/jobs/wait')
      .send({ ids: items.map((j: { id: string }) => j.id), timeoutMs: 10_000 })
      .expect(200)
    expect(res.body.done).toHaveLength(9)
    expect(peakLimited).toBe(2)
  })

  it('a job of another type runs at once behind a long queue of a type at its limit', async () => {
    const { engine, request } = await buildTestApp({ JOBVISOR_MAX_CONCURRENCY: '10' })
    const started: string[] = []
    engine.events.on('job', ({ type, job }) => {
      if (type === 'job:started') started.push(job.type)
    })
    // 30 limited jobs (2 at a time, 200 ms each): the claims that hold them back learn that only
    // they are queued, and must not keep that belief past the next create.
    const limited = Array.from({ length: 30 }, () => ({ type: 'limited', params: { ms: 200 } }))
    await request.post('/v1/jobs/batch').send({ jobs: limited }).expect(201)
    await waitFor(() => started.length >= 2)
    const other = (await request.post('/v1/jobs').send({ type: 'noop' }).expect(201)).body
    const res = await request
      .post('/v1/jobs/wait')
      .send({ ids: [other.id], timeoutMs: 1000 })
      .expect(200)
    expect(res.body.done).toMatchObject([{ id: other.id, state: 'succeeded' }])
    // It did not wait for the limited queue to drain: most limited jobs are still waiting.
    expect(started.filter((t) => t === 'limited').length).toBeLessThan(10)
  })

  it('claims by priority, then FIFO', async () => {
    const { engine, request } = await buildTestApp({ JOBVISOR_MAX_CONCURRENCY: '1' })
    const order: string[] = []
    engine.events.on('job', ({ type, job }) => {
      if (type === 'job:started' && job.type === 'noop') order.push(job.labels.name as string)
    })
    // The blocker holds the only slot until every job is queued, however slow the machine is.
    const blocker = (await request.post('/v1/jobs').send({ type: 'blocking' }).expect(201)).body
    await jobInState(request, blocker.id, 'running')
    const specs = [
      ['low-1', -5],
      ['mid-1', 0],
      ['high-1', 10],
      ['mid-2', 0],
      ['high-2', 10],
      ['low-2', -5],
    ] as const
    const ids: string[] = []
    for (const [name, priority] of specs) {
      ids.push(
        (await request.post('/v1/jobs').send({ type: 'noop', priority, labels: { name } }).expect(201)).body
          .id,
      )
    }
    const stop = await request.post(`/v1/jobs/${blocker.id}/cancel`).send({ mode: 'graceful' })
    expect(stop.body).toMatchObject({ state: 'cancelling' })
    await request.post('/v1/jobs/wait').send({ ids, timeoutMs: 10_000 }).expect(200)
    expect(order).toEqual(['high-1', 'high-2', 'mid-1', 'mid-2', 'low-1', 'low-2'])
  })
})
