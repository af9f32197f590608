import { execFileSync } from 'node:child_process'
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from './helpers/app.ts'
import { tempDbFile } from './helpers/server-process.ts'
import { jobInState, waitFor } from './helpers/wait-for.ts'

/** `chattr +i` makes a file refuse writes even through descriptors already open (ext4, xfs; root). */
function canMakeImmutable(): boolean {
  const probe = `${tempDbFile()}.probe`
  try {
    writeFileSync(probe, '')
    execFileSync('chattr', ['+i', probe], { stdio: 'ignore' })
    execFileSync('chattr', ['-i', probe], { stdio: 'ignore' })
    return true
  } catch {
    return false
  } finally {
    rmSync(probe, { force: true })
  }
}

const frozen = new Set<string>()
function setImmutable(on: boolean, db: string): void {
  const files = [db, `${db}-wal`].filter((f) => existsSync(f))
  execFileSync('chattr', [on ? '+i' : '-i', ...files])
  for (const f of files) on ? frozen.add(f) : frozen.delete(f)
}
afterEach(() => {
  for (const f of frozen) execFileSync('chattr', ['-i', f])
  frozen.clear()
})

/**
 * Creates an `ignores-signal` job that returns after `ms`, resolving once it runs: awaited as an
 * event, since polling could miss a short job's `running`.
 */
async function startIgnoring(t: TestApp, ms: number): Promise<{ id: string }> {
  const started = new Promise<void>((resolve) => {
    const off = t.engine.events.on('job', ({ type, job }) => {
      if (type !== 'job:started' || job.type !== 'ignores-signal') return
      off()
      resolve()
    })
  })
  const job = (await t.request.post('/v1/jobs').send({ type: 'ignores-signal', params: { ms } }).expect(201))
    .body
  await started
  return job
}

async function expect503(t: TestApp) {
  const res = await t.request.post('/v1/jobs').send({ type: 'noop' })
  expect(res.status).toBe(503)
  expect(res.headers['retry-after']).toMatch(/^\d+$/)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  expect(res.body.detail).toBe('the job store cannot be used right now; retry later')
}

const immutable = canMakeImmutable()
const why = immutable ? 'chattr available' : 'skipped: chattr +i is not supported here'

describe('storage faults (SPEC §8)', { timeout: 30_000 }, () => {
  it.skipIf(!immutable)(
    `an unwritable database: 503 + Retry-After, readyz 503, outcomes kept and stored once writable, no restart (${why})`,
    async () => {
      const db = tempDbFile()
      const t = await buildTestApp({}, { db })
      const job = await startIgnoring(t, 400)
      setImmutable(true, db)
      await expect503(t)
      const ready = await t.request.get('/readyz')
      expect(ready.status).toBe(503)
      expect(ready.body.reason).toMatch(/store refuses writes/)
      // The handler returns during the fault: its outcome is kept in memory, the row still running.
      await waitFor(() => t.observed.lateSettled.includes(job.id))
      expect((await t.request.get(`/v1/jobs/${job.id}`)).body.state).toBe('running')
      const wait = t.request.post('/v1/jobs/wait').send({ ids: [job.id], timeoutMs: 10_000 })
      setImmutable(false, db)
      const waited = await wait
      expect(waited.body.done).toMatchObject([{ id: job.id, state: 'succeeded', result: { late: true } }])
      await waitFor(async () => (await t.request.get('/readyz')).status === 200)
      await t.request.post('/v1/jobs').send({ type: 'noop' }).expect(201)
    },
  )

  it.skipIf(!immutable)(
    `a cancel during the fault is refused (503) and does not reach the handler; after, it works (${why})`,
    async () => {
      const db = tempDbFile()
      const t = await buildTestApp({}, { db })
      const job = (await t.request.post('/v1/jobs').send({ type: 'blocking' }).expect(201)).body
      await jobInState(t.request, job.id, 'running')
      setImmutable(true, db)
      const refused = await t.request.post(`/v1/jobs/${job.id}/cancel`).send({})
      expect(refused.status).toBe(503)
      expect(t.observed.cleanups).toEqual([])
      setImmutable(false, db)
      await waitFor(async () => (await t.request.get('/readyz')).status === 200)
      await t.request.post(`/v1/jobs/${job.id}/cancel`).send({}).expect(202)
      await jobInState(t.request, job.id, 'cancelled')
      expect(t.observed.cleanups).toEqual([{ jobId: job.id, reason: 'CancelledError' }])
    },
  )

  it.skipIf(!immutable)(
    `a job cancelling when the fault starts ends cancelled once the store heals, not cancelling for ever (${why})`,
    async () => {
      const db = tempDbFile()
      const t = await buildTestApp({}, { db })
      const job = await startIgnoring(t, 400)
      await t.request.post(`/v1/jobs/${job.id}/cancel`).send({ graceMs: 5000 }).expect(202)
      setImmutable(true, db)
      await waitFor(() => t.observed.lateSettled.includes(job.id))
      expect((await t.request.get(`/v1/jobs/${job.id}`)).body.state).toBe('cancelling')
      setImmutable(false, db)
      const done = await jobInState(t.request, job.id, 'cancelled')
      expect(done.cancel).toMatchObject({ forced: false, graceMs: 5000 })
    },
  )

  it('a database file deleted under the service: writes are refused, then it is restored with everything in it', async () => {
    const db = tempDbFile()
    const t = await buildTestApp({}, { db })
    const before = (await t.request.post('/v1/jobs').send({ type: 'noop' }).expect(201)).body
    await jobInState(t.request, before.id, 'succeeded')
    rmSync(db)
    rmSync(`${db}-wal`, { force: true })
    await expect503(t) // not a 201 into the unlinked file
    await waitFor(async () => (await t.request.get('/readyz')).status === 200)
    const after = (await t.request.post('/v1/jobs').send({ type: 'noop' }).expect(201)).body
    await jobInState(t.request, after.id, 'succeeded')
    await t.service.shutdown(0)
    // The file at the path is a complete database again: what came before and after the deletion.
    const reopened = new Database(db, { readonly: true })
    const ids = reopened.prepare('SELECT id FROM jobs ORDER BY id').all() as { id: string }[]
    reopened.close()
    expect(ids.map((r) => r.id)).toEqual([before.id, after.id])
  })

  it('a database file deleted while the service is idle is noticed and restored without a write', async () => {
    const db = tempDbFile()
    const t = await buildTestApp({}, { db })
    const job = (await t.request.post('/v1/jobs').send({ type: 'noop' }).expect(201)).body
    await jobInState(t.request, job.id, 'succeeded')
    rmSync(db)
    await waitFor(() => existsSync(db), { timeoutMs: 5000, intervalMs: 50 })
    await waitFor(async () => (await t.request.get('/readyz')).status === 200)
    await t.service.shutdown(0)
    const copy = new Database(db, { readonly: true })
    expect(copy.prepare('SELECT id FROM jobs').all()).toEqual([{ id: job.id }])
    copy.close()
  })

  it('a database file replaced by another: writes are refused until the original is back', async () => {
    const db = tempDbFile()
    const t = await buildTestApp({}, { db })
    await t.request.post('/v1/jobs').send({ type: 'noop' }).expect(201)
    renameSync(db, `${db}.moved`)
    writeFileSync(db, 'not this service’s database')
    await expect503(t)
    expect((await t.request.get('/readyz')).status).toBe(503)
    renameSync(`${db}.moved`, db)
    await waitFor(async () => (await t.request.get('/readyz')).status === 200)
    await t.request.post('/v1/jobs').send({ type: 'noop' }).expect(201)
  })
})
