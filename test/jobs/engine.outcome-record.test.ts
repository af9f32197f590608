import { describe, expect, it } from 'vitest'
import type { JobRecord } from '../../src/model/job.ts'
import { buildTestApp } from '../helpers/app.ts'
import { waitFor } from '../helpers/wait-for.ts'

describe('the record announced with an outcome', () => {
  it('equals the stored row, for every kind of outcome (the runner builds it, reading back at most cancel and progress)', async () => {
    const { engine, store, request } = await buildTestApp({ JOBVISOR_GRACE_MS: '30' })
    const pairs: { event: JobRecord; stored: Promise<JobRecord | undefined> }[] = []
    engine.events.on('job', ({ type, job }) => {
      // Read at once: better-sqlite3 runs the query now, before anything changes the row again;
      // PostgreSQL answers well within the retry's backoff, the only change that follows.
      if (type === 'job:finished' || type === 'job:retrying')
        pairs.push({ event: job, stored: store.jobs.get(job.id) })
    })
    const create = async (body: object) =>
      (await request.post('/v1/jobs').send(body).expect(201)).body.id as string
    const graceful = await create({ type: 'blocking' })
    const immediate = await create({ type: 'blocking' })
    const ids = [
      graceful,
      immediate,
      // A backoff: a retry straight to `queued` may be claimed in the commit that stores it (the
      // claim overlaps the outcome write), and the row read at the event would already be running.
      await create({
        type: 'flaky',
        params: { failures: 1 },
        retry: { maxAttempts: 2, backoff: { delayMs: 300 } },
      }),
      await create({ type: 'never-settles', timeoutMs: 20 }),
      await create({ type: 'noop' }),
      await create({ type: 'throws-non-error' }),
    ]
    // Let the blocking jobs report progress before they are cancelled.
    await waitFor(async () => (await store.jobs.get(graceful))?.progress !== null)
    await request.post(`/v1/jobs/${graceful}/cancel`).send({ mode: 'graceful', reason: 'enough' }).expect(202)
    await request.post(`/v1/jobs/${immediate}/cancel`).send({}).expect(202)
    const { body } = await request.post('/v1/jobs/wait').send({ ids, timeoutMs: 10_000 }).expect(200)
    expect(body.done.map((j: JobRecord) => j.state)).toEqual([
      'succeeded',
      'cancelled',
      'succeeded',
      'timed_out',
      'succeeded',
      'failed',
    ])
    expect(pairs.length).toBe(7) // one retry, six ends
    for (const { event, stored } of pairs) expect(event).toEqual(await stored)
    const gracefulEnd = pairs.find((p) => p.event.id === graceful && p.event.state === 'succeeded')?.event
    expect(gracefulEnd).toMatchObject({ cancel: { mode: 'graceful', reason: 'enough' } })
    expect(gracefulEnd?.progress).not.toBeNull()
  })
})
