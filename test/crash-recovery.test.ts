import { describe, expect, it } from 'vitest'
import {
  call,
  type JobJson,
  listAll,
  type ServerProcess,
  startServer,
  tempDbFile,
} from './helpers/server-process.ts'
import { waitFor } from './helpers/wait-for.ts'

const CONCURRENCY = 5
const sleep60s = { type: 'sleep', params: { ms: 60_000 } }

async function create(server: ServerProcess, body: object): Promise<JobJson> {
  const res = await call<JobJson>(server, 'POST', '/v1/jobs', body)
  expect(res.status).toBe(201)
  return res.body
}

describe('crash recovery of the real server (R2)', { timeout: 60_000 }, () => {
  it('after SIGKILL mid-load, every job that got a 201 exists and ends per its retry budget', async () => {
    const db = tempDbFile()
    const env = { JOBVISOR_DB: db, JOBVISOR_MAX_CONCURRENCY: String(CONCURRENCY) }
    const first = await startServer(env)

    // Fill every slot: 3 without retries, 2 with attempts left.
    const runOnce = [1, 2, 3].map(() => create(first, { ...sleep60s, retry: { maxAttempts: 1 } }))
    const runRetry = [1, 2].map(() => create(first, { ...sleep60s, retry: { maxAttempts: 3 } }))
    const running = { once: await Promise.all(runOnce), retry: await Promise.all(runRetry) }
    await waitFor(async () => (await listAll(first, 'running')).length === CONCURRENCY, {
      timeoutMs: 20_000,
      intervalMs: 20,
    })
    const queued = (
      await call<{ items: JobJson[] }>(first, 'POST', '/v1/jobs/batch', {
        jobs: Array.from({ length: 20 }, () => sleep60s),
      })
    ).body.items
    const delayed = await Promise.all(
      Array.from({ length: 10 }, () => create(first, { ...sleep60s, delayMs: 60_000 })),
    )

    // Mid-load: creates keep coming from 50 clients, each sending its next as soon as its last is
    // answered, and the process is killed from the reply that makes the 50th 201 — so at the kill
    // each other client has a create under way. Only the ones answered 201 are promised.
    const CLIENTS = 50
    const KILL_AFTER = 50
    const inFlight: JobJson[] = []
    let killed = false
    let cutInFlight = 0
    const client = async () => {
      for (;;) {
        const sentBeforeKill = !killed
        try {
          const res = await call<JobJson>(first, 'POST', '/v1/jobs', sleep60s)
          expect(res.status).toBe(201)
          inFlight.push(res.body)
          if (inFlight.length === KILL_AFTER) {
            killed = true
            first.child.kill('SIGKILL')
          }
        } catch (err) {
          if (!(err instanceof TypeError)) throw err // fetch's network error, not an assertion
          // Reset by the kill, or refused after it: never acknowledged, so nothing was promised.
          if (sentBeforeKill) cutInFlight += 1
          return
        }
      }
    }
    await Promise.all(Array.from({ length: CLIENTS }, client))
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' })
    // The kill came mid-load: creates sent before it were still under way and were cut.
    expect(cutInFlight).toBeGreaterThan(0)

    const second = await startServer(env)
    const all = new Map((await listAll(second, '')).map((j) => [j.id, j]))
    const stored = (job: JobJson) => {
      const found = all.get(job.id)
      expect(found, `job ${job.id} (created with 201) is missing`).toBeDefined()
      return found!
    }
    for (const job of running.once) {
      expect(stored(job)).toMatchObject({ state: 'failed', attempt: 1, error: { code: 'interrupted' } })
    }
    for (const job of running.retry) {
      const now = stored(job)
      expect(now).toMatchObject({ attempt: 2, error: { code: 'interrupted' } })
      expect(['queued', 'running']).toContain(now.state)
    }
    for (const job of [...queued, ...inFlight]) {
      const now = stored(job)
      expect(now.attempt).toBe(1)
      expect(['queued', 'running']).toContain(now.state)
    }
    for (const job of delayed) expect(stored(job)).toMatchObject({ state: 'scheduled', runAt: job.runAt })
    expect([...all.values()].filter((j) => j.state === 'running').length).toBeLessThanOrEqual(CONCURRENCY)

    console.info(
      `R2: ${running.once.length} running (1 attempt), ${running.retry.length} running (3 attempts), ` +
        `${queued.length} queued, ${delayed.length} delayed, ${inFlight.length} creates under load ` +
        `acknowledged, ${cutInFlight} sent before the SIGKILL and cut by it; ${all.size} jobs found after restart`,
    )
  })
})
