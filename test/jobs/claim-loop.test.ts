import { describe, expect, it } from 'vitest'
import { StorageUnavailableError } from '../../src/store/errors.ts'
import { buildTestApp } from '../helpers/app.ts'
import { jobInState } from '../helpers/wait-for.ts'

describe('claim loop (src/jobs/claim-loop.ts)', () => {
  it('a claim that committed but lost its answer: the jobs it moved to running start here, once, not after the lease', async () => {
    // A lease far longer than the test: only adoption, not recovery, can get these jobs to run.
    const { engine, request, store } = await buildTestApp({
      JOBVISOR_MAX_CONCURRENCY: '4',
      JOBVISOR_LEASE_MS: '600000',
    })
    const started: string[] = []
    engine.events.on('job', ({ type, job }) => {
      if (type === 'job:started') started.push(job.id)
    })
    // Already running here when the answer is lost: adoption finds it owned, and must not start it again.
    const sleeper = (
      await request.post('/v1/jobs/batch').send({ jobs: [{ type: 'sleep', params: { ms: 1500 } }] })
    ).body.items[0].id as string
    await jobInState(request, sleeper, 'running')
    const { jobs } = store
    const claim = jobs.claim.bind(jobs)
    let lost = 0
    jobs.claim = async (...args) => {
      const rows = await claim(...args)
      if (rows.length > 0 && lost === 0) {
        lost = rows.length
        throw new StorageUnavailableError('connection lost after the commit')
      }
      return rows
    }
    // A batch queues (no create skips the queue), so the claim loop takes these jobs.
    const batch = Array.from({ length: 3 }, () => ({ type: 'noop', params: {} }))
    const { items } = (await request.post('/v1/jobs/batch').send({ jobs: batch }).expect(201)).body
    const ids = items.map((j: { id: string }) => j.id)
    for (const id of ids) {
      const job = await jobInState(request, id, 'succeeded', 'failed', 'interrupted')
      expect(job).toMatchObject({ state: 'succeeded', attempt: 1 })
    }
    expect(lost).toBe(3)
    await jobInState(request, sleeper, 'succeeded')
    expect([...started].sort()).toEqual([sleeper, ...ids].sort())
  })
})
