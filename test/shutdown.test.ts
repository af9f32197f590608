import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import type { JobRecord } from '../src/model/job.ts'
import { decodeJsonText, type JobRow, jobFromRow } from '../src/store/rows.ts'
import { buildTestApp } from './helpers/app.ts'
import {
  call,
  exitWithin,
  type JobJson,
  listAll,
  type ServerProcess,
  startServer,
  tempDbFile,
} from './helpers/server-process.ts'
import { waitFor } from './helpers/wait-for.ts'

/** The stored jobs, read straight from the file the way an operator would after a stop. */
function readJobs(file: string): Map<string, JobRecord> {
  const db = new Database(file, { readonly: true })
  try {
    const rows = db.prepare('SELECT * FROM jobs').all() as JobRow[]
    return new Map(rows.map((row) => [row.id, jobFromRow(row, decodeJsonText)]))
  } finally {
    db.close()
  }
}

const sleepJobs = (count: number, maxAttempts: number) =>
  Array.from({ length: count }, () => ({ type: 'sleep', params: { ms: 60_000 }, retry: { maxAttempts } }))

async function createRunning(server: ServerProcess, jobs: unknown[]): Promise<JobJson[]> {
  const created = await call<{ items: JobJson[] }>(server, 'POST', '/v1/jobs/batch', { jobs })
  expect(created.status).toBe(201)
  await waitFor(async () => (await listAll(server, 'running')).length === jobs.length, {
    timeoutMs: 20_000,
    intervalMs: 50,
  })
  return created.body.items
}

/** One probe round: how /readyz and POST /v1/jobs answer right now (`refused` once closed). */
async function probe(server: ServerProcess, postToo: boolean) {
  const attempt = async (method: string, path: string, body?: unknown) => {
    try {
      const res = await call(server, method, path, body)
      return { status: res.status, retryAfter: res.headers.get('retry-after') }
    } catch {
      return { status: 'refused' as const, retryAfter: null }
    }
  }
  const ready = await attempt('GET', '/readyz')
  const post = postToo ? await attempt('POST', '/v1/jobs', { type: 'noop' }) : null
  return { ready, post }
}

describe('graceful shutdown of the real server (R3)', { timeout: 60_000 }, () => {
  const GRACE_MS = 1000
  /** QUALITY R3's bound beyond the grace. */
  const R3_MARGIN_MS = 1000
  /** How late this test may see the exit it is waiting for (signal delivery, its own event loop). */
  const OBSERVER_SLACK_MS = 1000

  it('SIGTERM with 1000 running jobs: not ready, refuses jobs, exits 0 within the grace, nothing left running', async () => {
    const db = tempDbFile()
    const server = await startServer({
      JOBVISOR_DB: db,
      JOBVISOR_SHUTDOWN_GRACE_MS: String(GRACE_MS),
      JOBVISOR_MAX_CONCURRENCY: '2000',
    })
    // 900 without retries end `failed`; 100 with an attempt left go back to `queued`.
    const jobs = await createRunning(server, [...sleepJobs(900, 1), ...sleepJobs(100, 2)])
    // A delayed job is left alone by the drain, and a client waiting on it must not hold the exit.
    const delayed = await call<JobJson>(server, 'POST', '/v1/jobs', { type: 'noop', delayMs: 60_000 })
    expect(delayed.status).toBe(201)
    const waiting = call(server, 'POST', '/v1/jobs/wait', { ids: [delayed.body.id], timeoutMs: 60_000 }).then(
      (res) => res.status,
      () => 'reset' as const,
    )

    let exited = false
    void server.exited.then(() => {
      exited = true
    })
    const signalledAt = performance.now()
    server.child.kill('SIGTERM')
    const probes: Awaited<ReturnType<typeof probe>>[] = []
    let draining = false
    while (!exited) {
      // POST only once readiness says draining, so a create that raced the signal cannot count.
      const round = await probe(server, draining)
      probes.push(round)
      draining ||= round.ready.status === 503
      // Quick, but not a busy loop: the probes must not starve the server they are timing.
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const exit = await exitWithin(server, GRACE_MS + R3_MARGIN_MS + OBSERVER_SLACK_MS)
    const elapsedMs = performance.now() - signalledAt
    const drainMs =
      Number((await server.logged('shutdown complete')).time) -
      Number((await server.logged('shutting down')).time)
    console.info(
      `R3: SIGTERM with 1000 running jobs (grace ${GRACE_MS} ms) → exit ${exit.code} after ${Math.round(elapsedMs)} ms ` +
        `(signal handled → shutdown complete: ${drainMs} ms; ${probes.length} probe rounds)`,
    )

    expect(exit).toEqual({ code: 0, signal: null })
    // QUALITY R3: done within the shutdown grace + 1 s, by the service's own clock from the signal
    // handled to the drain complete (the exit follows at once).
    expect(drainMs).toBeLessThanOrEqual(GRACE_MS + R3_MARGIN_MS)
    // Seen from this test process, which shares two loaded cores with the server and polls it: a
    // second more for its own scheduling, still far from the 8 s that let a slow drain pass unseen.
    expect(elapsedMs).toBeLessThanOrEqual(GRACE_MS + R3_MARGIN_MS + OBSERVER_SLACK_MS)

    // Readiness: possibly 200 before the signal is handled, then 503 until the port closes.
    const ready = probes.map((p) => p.ready.status)
    const firstDraining = ready.indexOf(503)
    expect(firstDraining).toBeGreaterThanOrEqual(0)
    expect(ready.slice(firstDraining).every((s) => s === 503 || s === 'refused')).toBe(true)
    const posts = probes.flatMap((p) => (p.post ? [p.post] : []))
    expect(posts.some((p) => p.status === 503 && Number(p.retryAfter) > 0)).toBe(true)
    expect(posts.every((p) => p.status === 503 || p.status === 'refused')).toBe(true)

    expect([200, 'reset']).toContain(await waiting)

    const stored = readJobs(db)
    expect(stored.size).toBe(1001)
    expect(stored.get(delayed.body.id)).toMatchObject({
      state: 'scheduled',
      runAt: Date.parse(delayed.body.runAt!),
    })
    const states = [...stored.values()].map((j) => j.state)
    expect(states.filter((s) => s === 'running' || s === 'cancelling')).toEqual([])
    for (const created of jobs) {
      const job = stored.get(created.id)
      expect(job?.error?.code).toBe('interrupted')
      if (created.retry.maxAttempts === 1) expect(job).toMatchObject({ state: 'failed', attempt: 1 })
      else expect(job).toMatchObject({ state: 'queued', attempt: 2 })
    }
  })

  it('a second SIGTERM during the drain exits at once (130); the database is sound and recovers', async () => {
    const db = tempDbFile()
    // A long grace: without the second signal this process would wait 30 s.
    const env = { JOBVISOR_DB: db, JOBVISOR_SHUTDOWN_GRACE_MS: '30000' }
    const first = await startServer(env)
    const jobs = await createRunning(first, [...sleepJobs(40, 1), ...sleepJobs(10, 3)])

    first.child.kill('SIGTERM')
    await first.logged('shutting down')
    const secondAt = performance.now()
    first.child.kill('SIGTERM')
    expect(await exitWithin(first, 3000)).toEqual({ code: 130, signal: null })
    expect(performance.now() - secondAt).toBeLessThan(3000)

    const check = new Database(db, { readonly: true })
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok')
    check.close()
    // Left as they were: the next start is what settles them.
    expect([...readJobs(db).values()].every((j) => j.state === 'running')).toBe(true)

    const second = await startServer(env)
    for (const created of jobs) {
      const { body: job } = await call<JobJson>(second, 'GET', `/v1/jobs/${created.id}`)
      expect(job.error?.code).toBe('interrupted')
      if (created.retry.maxAttempts === 1) expect(job).toMatchObject({ state: 'failed', attempt: 1 })
      else {
        expect(job.attempt).toBe(2)
        expect(['queued', 'running']).toContain(job.state)
      }
    }
  })
})

describe('drain order (SPEC §8), in process', () => {
  it('stopSignal first: a handler that honours it succeeds; one that never settles is interrupted after the grace', async () => {
    const db = tempDbFile()
    const { request, service, engine, observed } = await buildTestApp({}, { db })
    const create = async (body: object) =>
      (await request.post('/v1/jobs').send(body).expect(201)).body.id as string
    const cooperative = await create({ type: 'blocking' })
    const stuck = await create({ type: 'never-settles' })
    const stuckWithRetry = await create({ type: 'never-settles', retry: { maxAttempts: 2 } })
    await waitFor(() => engine.runningCount === 3)
    const finishedOrder: string[] = []
    engine.events.on('job', ({ type, job }) => {
      if (type === 'job:finished' || type === 'job:retrying') finishedOrder.push(job.id)
    })

    await service.shutdown(300)

    const stored = readJobs(db)
    expect(stored.get(cooperative)).toMatchObject({ state: 'succeeded', error: null })
    expect(stored.get(cooperative)?.result).toMatchObject({ stoppedAfter: expect.any(Number) })
    // It returned normally on stopSignal: its signal never aborted, so no cleanup ran.
    expect(observed.cleanups.map((c) => c.jobId)).not.toContain(cooperative)
    expect(stored.get(stuck)).toMatchObject({ state: 'failed', attempt: 1, error: { code: 'interrupted' } })
    expect(stored.get(stuckWithRetry)).toMatchObject({
      state: 'queued',
      attempt: 2,
      error: { code: 'interrupted' },
    })
    expect(finishedOrder[0]).toBe(cooperative)
    expect(finishedOrder).toHaveLength(3)
  })
  it('a job being cancelled when the drain ends is cancelled, never retried (SPEC §3)', async () => {
    const db = tempDbFile()
    const { request, service, engine } = await buildTestApp({}, { db })
    const ids: string[] = []
    for (const maxAttempts of [1, 3]) {
      const { id } = (
        await request.post('/v1/jobs').send({ type: 'never-settles', retry: { maxAttempts } }).expect(201)
      ).body
      ids.push(id)
    }
    await waitFor(() => engine.runningCount === 2)
    for (const id of ids) {
      // A grace far beyond the shutdown's: the drain, not the cancel, is what ends these runs.
      await request.post(`/v1/jobs/${id}/cancel`).send({ mode: 'graceful', graceMs: 60_000 }).expect(202)
    }

    await service.shutdown(100)

    const stored = readJobs(db)
    for (const id of ids) {
      expect(stored.get(id)).toMatchObject({ state: 'cancelled', cancel: { mode: 'graceful', forced: true } })
    }
  })
})
