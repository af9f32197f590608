import { describe, expect, it } from 'vitest'
import { systemClock } from '../../src/clock.ts'
import { createJobEvents } from '../../src/jobs/events.ts'
import { JobWaiters, waitForJobs } from '../../src/jobs/wait.ts'
import type { JobRecord } from '../../src/model/job.ts'
import { openSqlite } from '../../src/store/sqlite/index.ts'
import { newJob, T0 } from '../helpers/new-job.ts'

async function setup(n: number) {
  const store = await openSqlite(':memory:')
  const jobs = await store.jobs.insertMany(Array.from({ length: n }, () => newJob()))
  const events = createJobEvents()
  const waiters = new JobWaiters(events)
  const finish = (job: JobRecord, state: 'succeeded' | 'failed', at: number) =>
    events.emit('job', { type: 'job:finished', job: { ...job, state, finishedAt: at, updatedAt: at } })
  const deps = { store, waiters, clock: systemClock, pollMs: null, cancel: async () => undefined }
  return { store, jobs, events, waiters, finish, deps }
}

describe('wait internals (SPEC §3 Wait)', () => {
  it('an event reaches only the waits on its job, and a finished wait leaves no subscription', () => {
    const events = createJobEvents()
    const waiters = new JobWaiters(events)
    const seen: string[] = []
    const off = waiters.watch(['a', 'b'], (job) => seen.push(job.id))
    for (const id of ['a', 'c', 'b']) events.emit('job', { type: 'job:progress', job: { id } as JobRecord })
    expect(seen).toEqual(['a', 'b'])
    expect(waiters.size).toBe(2)
    off()
    expect(waiters.size).toBe(0)
  })

  it('first_failure ignores successes, wakes on the first failure and keeps the client order', async () => {
    const { jobs, finish, deps, waiters } = await setup(3)
    const [a, b, c] = jobs as [JobRecord, JobRecord, JobRecord]
    const result = waitForJobs(
      [c.id, a.id, b.id],
      { timeoutMs: 10_000, returnWhen: 'first_failure', cancelPending: false },
      deps,
    )
    await new Promise((resolve) => setImmediate(resolve))
    finish(a, 'succeeded', T0 + 1)
    let settled = false
    void result.then(() => {
      settled = true
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(settled).toBe(false)
    finish(c, 'failed', T0 + 2)
    const { done, pending } = await result
    expect(done.map((j) => [j.id, j.state])).toEqual([
      [c.id, 'failed'],
      [a.id, 'succeeded'],
    ])
    expect(pending.map((j) => j.id)).toEqual([b.id])
    expect(waiters.size).toBe(0)
  })

  it('a stale non-terminal record arriving after the terminal one does not undo it', async () => {
    const { jobs, events, finish, deps } = await setup(1)
    const [a] = jobs as [JobRecord]
    const result = waitForJobs(
      [a.id],
      { timeoutMs: 200, returnWhen: 'all_completed', cancelPending: false },
      deps,
    )
    await new Promise((resolve) => setImmediate(resolve))
    finish(a, 'succeeded', T0 + 5)
    // Delivered before the wait unsubscribes (it resumes on a later microtask), with a later updatedAt.
    events.emit('job', { type: 'job:progress', job: { ...a, state: 'running', updatedAt: T0 + 9 } })
    const { done } = await result
    expect(done[0]?.state).toBe('succeeded')
  })
})
