import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshDatabase, postgresAvailable } from './helpers/postgres.ts'
import { call, type JobJson, type ServerProcess, startServer } from './helpers/server-process.ts'
import { SseClient } from './helpers/sse-client.ts'
import { waitFor } from './helpers/wait-for.ts'

const available = await postgresAvailable()
const why = available === true ? 'PostgreSQL available' : `skipped: ${available}`

const FILE = { lifetime: 'file' } as const

interface Run extends JobJson {
  cancel: { forced: boolean } | null
  instance: string | null
  dueAt: string | null
  startedAt: string | null
  finishedAt: string | null
}

const get = async (server: ServerProcess, id: string) =>
  (await call<Run>(server, 'GET', `/v1/jobs/${id}`)).body
const create = async (server: ServerProcess, body: object) => {
  const res = await call<Run>(server, 'POST', '/v1/jobs', body)
  expect(res.status).toBe(201)
  return res.body
}

/**
 * SPEC §10 on real processes: an API-only instance (no slots) and two workers on one fresh
 * database, started together (so their migrations race under the advisory lock).
 */
describe.skipIf(available !== true)(
  `three instances on one PostgreSQL database (${why})`,
  { timeout: 60_000 },
  () => {
    let api: ServerProcess
    let one: ServerProcess
    let two: ServerProcess

    beforeAll(async () => {
      const env = { JOBVISOR_DB: await freshDatabase(), JOBVISOR_GRACE_MS: '2000' }
      ;[api, one, two] = await Promise.all([
        startServer({ ...env, JOBVISOR_INSTANCE_ID: 'api', JOBVISOR_MAX_CONCURRENCY: '0' }, FILE),
        startServer({ ...env, JOBVISOR_INSTANCE_ID: 'one', JOBVISOR_MAX_CONCURRENCY: '1' }, FILE),
        startServer({ ...env, JOBVISOR_INSTANCE_ID: 'two', JOBVISOR_MAX_CONCURRENCY: '8' }, FILE),
      ])
    }, 60_000)

    afterAll(async () => {
      for (const server of [api, one, two]) server?.child.kill('SIGTERM')
      await Promise.all([api, one, two].map((s) => s?.exited))
    })

    it('lists every instance from any of them', async () => {
      for (const server of [api, one, two]) {
        const { body } = await call<{ items: { id: string }[] }>(server, 'GET', '/v1/instances')
        expect(body.items.map((i) => i.id).sort()).toEqual(['api', 'one', 'two'])
      }
    })

    it('a job created on the API-only instance runs on a worker; a cancel sent to a third reaches its handler', async () => {
      const job = await create(api, { type: 'sleep', params: { ms: 60_000 } })
      const running = await waitFor(async () => {
        const now = await get(api, job.id)
        return now.state === 'running' && now
      })
      expect(['one', 'two']).toContain(running.instance)
      const other = running.instance === 'one' ? two : one
      const cancel = await call<Run>(other === one ? two : one, 'POST', `/v1/jobs/${job.id}/cancel`)
      expect(cancel.status).toBe(202)
      await waitFor(async () => (await get(api, job.id)).state === 'cancelled')
      // The cleanup ran on the owner, and its log is seen from every instance.
      const logs = await call<{ items: { msg: string }[] }>(api, 'GET', `/v1/jobs/${job.id}/logs`)
      expect(logs.body.items.map((l) => l.msg)).toEqual([
        expect.stringMatching(/^sleep interrupted; cleaning up/),
      ])
      expect((await get(api, job.id)).cancel).toMatchObject({ forced: false })
    })

    it('a wait on one instance returns when the job finishes on another, without its timeout', async () => {
      const job = await create(api, { type: 'sleep', params: { ms: 300 } })
      const waited = await call<{ done: Run[]; pending: Run[] }>(api, 'POST', '/v1/jobs/wait', {
        ids: [job.id],
        timeoutMs: 30_000,
      })
      expect(waited.body.done).toMatchObject([{ id: job.id, state: 'succeeded' }])
      expect(['one', 'two']).toContain(waited.body.done[0]?.instance)
    })

    it('GET /v1/events on the API-only instance streams the events of runs on the workers', async () => {
      const stream = await SseClient.open(api.url, '/v1/events?types=job:started,job:finished')
      try {
        const job = await create(api, { type: 'sleep', params: { ms: 50 } })
        await stream.until((s) => s.events.some((e) => e.event === 'job:finished'), 10_000)
        const mine = stream.events.filter((e) => (e.json.job as Run).id === job.id)
        expect(mine.map((e) => e.event)).toEqual(['job:started', 'job:finished'])
        expect(mine[1]?.json.job).toMatchObject({ state: 'succeeded' })
      } finally {
        stream.close()
      }
    })

    it('an instance with one slot does not hold back the others: four jobs run side by side', async () => {
      const jobs = await Promise.all(
        [1, 2, 3, 4].map(() => create(one, { type: 'sleep', params: { ms: 1000 } })),
      )
      const done = await waitFor(
        async () => {
          const all = await Promise.all(jobs.map((j) => get(api, j.id)))
          return all.every((j) => j.state === 'succeeded') && all
        },
        { timeoutMs: 20_000, intervalMs: 50 },
      )
      const starts = done.map((j) => Date.parse(j.startedAt ?? ''))
      const ends = done.map((j) => Date.parse(j.finishedAt ?? ''))
      // Every run started before any ended: they overlapped, so they were not queued behind one slot.
      expect(Math.max(...starts)).toBeLessThan(Math.min(...ends))
      expect(new Set(done.map((j) => j.instance)).size).toBeGreaterThan(1)
    })

    it('an interval schedule at 400 ms fires each tick once across the instances (distinct dueAt)', async () => {
      const created = await call<{ id: string }>(two, 'POST', '/v1/schedules', {
        name: 'every-400ms',
        trigger: { type: 'interval', every: '400ms' },
        overlap: 'allow',
        job: { type: 'noop' },
      })
      expect(created.status).toBe(201)
      const id = created.body.id
      const runs = await waitFor(
        async () => {
          const page = await call<{ items: Run[] }>(api, 'GET', `/v1/jobs?scheduleId=${id}&limit=100`)
          return page.body.items.length >= 6 && page.body.items
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      )
      await call(api, 'POST', `/v1/schedules/${id}/stop`, { mode: 'immediate' })
      const dues = runs.map((r) => Date.parse(r.dueAt ?? '')).sort((a, b) => a - b)
      expect(new Set(dues).size).toBe(dues.length)
      for (let i = 1; i < dues.length; i++) expect((dues[i] ?? 0) - (dues[i - 1] ?? 0)).toBe(400)
    })

    it('a daemon keeps exactly one run across the instances', async () => {
      const created = await call<{ id: string }>(api, 'POST', '/v1/schedules', {
        name: 'one-daemon',
        trigger: { type: 'daemon', restart: 'always' },
        job: { type: 'sleep', params: { ms: 300 } },
      })
      const id = created.body.id
      // Several restarts in: never two runs alive at once.
      for (let seen = 0; seen < 3; ) {
        const active = (
          await call<{ items: Run[] }>(api, 'GET', `/v1/jobs?scheduleId=${id}&state=queued,running`)
        ).body.items
        expect(active.length).toBeLessThanOrEqual(1)
        const all = (await call<{ items: Run[] }>(api, 'GET', `/v1/jobs?scheduleId=${id}`)).body.items
        seen = all.filter((r) => r.state === 'succeeded').length
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      await call(api, 'POST', `/v1/schedules/${id}/stop`, { mode: 'immediate' })
    })
  },
)
