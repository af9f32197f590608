import { afterAll, describe, expect, it } from 'vitest'
import { PgCluster } from './helpers/pg-cluster.ts'
import { call, type JobJson, startServer } from './helpers/server-process.ts'
import { waitFor } from './helpers/wait-for.ts'

const cluster = PgCluster.create()
const why = cluster instanceof PgCluster ? 'private cluster' : `skipped: ${cluster}`
afterAll(() => {
  if (cluster instanceof PgCluster) cluster.destroy()
})

describe.skipIf(!(cluster instanceof PgCluster))(
  `the database restarts (QUALITY R6; ${why})`,
  { timeout: 90_000 },
  () => {
    it('under a create load: only 201 or 503 (never 500), nothing lost, handlers keep running, the service serves again by itself', async () => {
      const pg = cluster as PgCluster
      const server = await startServer({ JOBVISOR_DB: pg.url, JOBVISOR_MAX_CONCURRENCY: '50' })
      // A handler running across the outage: its outcome is stored once the database is back.
      const long = (await call<JobJson>(server, 'POST', '/v1/jobs', { type: 'sleep', params: { ms: 2500 } }))
        .body
      const statuses = new Map<number | string, number>()
      const accepted: string[] = []
      let ready503 = false
      let loading = true
      const loop = async () => {
        while (loading) {
          try {
            const res = await call<JobJson>(server, 'POST', '/v1/jobs', { type: 'noop' })
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
            if (res.status === 201) accepted.push(res.body.id)
            else if (res.status === 503) expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
            if ((await call(server, 'GET', '/readyz')).status === 503) ready503 = true
          } catch {
            statuses.set('refused', (statuses.get('refused') ?? 0) + 1)
          }
        }
      }
      const loops = Array.from({ length: 8 }, loop)
      await waitFor(() => accepted.length >= 50, { timeoutMs: 20_000 })
      pg.stop()
      await waitFor(() => (statuses.get(503) ?? 0) > 0, { timeoutMs: 20_000 })
      pg.start()
      const before = accepted.length
      await waitFor(() => accepted.length >= before + 50, { timeoutMs: 30_000, intervalMs: 20 })
      loading = false
      await Promise.all(loops)

      expect([...statuses.keys()].sort()).toEqual([201, 503])
      expect(ready503).toBe(true)
      expect((await call(server, 'GET', '/readyz')).status).toBe(200)
      // Every 201 is stored and has run.
      const waited = await call<{ done: JobJson[]; pending: JobJson[] }>(server, 'POST', '/v1/jobs/wait', {
        ids: [...accepted.slice(0, 1000)],
        timeoutMs: 20_000,
      })
      expect(waited.status).toBe(200)
      expect(waited.body.pending).toEqual([])
      expect(waited.body.done.every((j) => j.state === 'succeeded')).toBe(true)
      const longNow = await waitFor(async () => {
        const job = (await call<JobJson>(server, 'GET', `/v1/jobs/${long.id}`)).body
        return job.state !== 'running' && job
      })
      expect(longNow.state).toBe('succeeded')
      server.child.kill('SIGTERM')
      expect(await server.exited).toEqual({ code: 0, signal: null })
    })
  },
)
