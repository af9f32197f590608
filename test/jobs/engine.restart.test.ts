import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openSqlite } from '../../src/store/sqlite/index.ts'
import { buildTestApp } from '../helpers/app.ts'
import { newJob } from '../helpers/new-job.ts'

const dbFile = () => join(mkdtempSync(join(tmpdir(), 'jobvisor-')), 'jobs.db')

describe('restart on the same database file', () => {
  it('keeps every job and its state', async () => {
    const db = dbFile()
    const first = await buildTestApp({}, { db })
    const done = (await first.request.post('/v1/jobs').send({ type: 'noop' })).body
    const delayed = (await first.request.post('/v1/jobs').send({ type: 'noop', delayMs: 3_600_000 })).body
    await first.request
      .post('/v1/jobs/wait')
      .send({ ids: [done.id], timeoutMs: 5000 })
      .expect(200)
    await first.service.shutdown(0)

    const second = await buildTestApp({}, { db })
    expect((await second.request.get(`/v1/jobs/${done.id}`).expect(200)).body.state).toBe('succeeded')
    const again = (await second.request.get(`/v1/jobs/${delayed.id}`).expect(200)).body
    expect(again).toMatchObject({ state: 'scheduled', runAt: delayed.runAt })
  })

  it('re-queues a job that was running when its process died, or fails it as interrupted', async () => {
    const db = dbFile()
    // A process that died mid-run leaves rows in `running`, owned by it.
    const store = await openSqlite(db)
    await store.jobs.insertMany([
      newJob({ id: '01DEADJOBWITHRETRIES000000', retry: { maxAttempts: 3 }, createdAt: Date.now() }),
      newJob({ id: '01DEADJOBWITHOUTRETRIES000', createdAt: Date.now() }),
    ])
    const claimed = await store.jobs.claim('dead-process', Date.now(), {
      instance: 'dead-instance',
      limit: 10,
      leaseUntil: Date.now() + 60_000,
      excludeTypes: [],
      typeRoom: {},
    })
    expect(claimed).toHaveLength(2)
    await store.close()

    const { request } = await buildTestApp({}, { db })
    const retried = (await request.get('/v1/jobs/01DEADJOBWITHRETRIES000000').expect(200)).body
    expect(retried.attempt).toBe(2)
    expect(retried.error).toMatchObject({ code: 'interrupted' })
    await request
      .post('/v1/jobs/wait')
      .send({ ids: [retried.id], timeoutMs: 5000 })
      .expect(200)
    expect((await request.get(`/v1/jobs/${retried.id}`)).body.state).toBe('succeeded')
    const failed = (await request.get('/v1/jobs/01DEADJOBWITHOUTRETRIES000').expect(200)).body
    expect(failed).toMatchObject({ state: 'failed', attempt: 1, error: { code: 'interrupted' } })
  })

  it('a second process on the same file is refused (exclusive lock)', async () => {
    const db = dbFile()
    const store = await openSqlite(db)
    await expect(openSqlite(db)).rejects.toThrow(/locked/)
    await store.close()
  })
})
