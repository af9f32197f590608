import { describe, expect, it } from 'vitest'
import { freshDatabase, postgresAvailable } from './helpers/postgres.ts'
import { call, type JobJson, type ServerProcess, startServer } from './helpers/server-process.ts'
import { waitFor } from './helpers/wait-for.ts'

const available = await postgresAvailable()
const why = available === true ? 'PostgreSQL available' : `skipped: ${available}`

interface Run extends JobJson {
  scheduleId: string | null
  instance: string | null
  dueAt: string | null
}

const LEASE_MS = 1000
const sleep60s = (maxAttempts: number) => ({ type: 'sleep', params: { ms: 60_000 }, retry: { maxAttempts } })

async function all(server: ServerProcess, query = ''): Promise<Run[]> {
  const items: Run[] = []
  for (let cursor: string | null = null; ; ) {
    const page: { items: Run[]; nextCursor: string | null } = (
      await call<{ items: Run[]; nextCursor: string | null }>(
        server,
        'GET',
        `/v1/jobs?limit=500${query}${cursor ? `&cursor=${cursor}` : ''}`,
      )
    ).body
    items.push(...page.items)
    cursor = page.nextCursor
    if (!cursor) return items
  }
}

describe.skipIf(available !== true)(`an instance dies (QUALITY R7; ${why})`, { timeout: 90_000 }, () => {
  it('three instances under load, one SIGKILLed: the others recover its runs after the lease, nothing lost, no tick twice', async () => {
    const env = {
      JOBVISOR_DB: await freshDatabase(),
      JOBVISOR_LEASE_MS: String(LEASE_MS),
      JOBVISOR_MAX_CONCURRENCY: '4',
      JOBVISOR_SHUTDOWN_GRACE_MS: '300',
    }
    const [a, b, victim] = await Promise.all(
      ['a', 'b', 'victim'].map((id) => startServer({ ...env, JOBVISOR_INSTANCE_ID: id })),
    )
    if (!a || !b || !victim) throw new Error('servers did not start')
    const ticks = await call<{ id: string }>(a, 'POST', '/v1/schedules', {
      name: 'ticks',
      trigger: { type: 'interval', every: '200ms' },
      overlap: 'allow',
      job: { type: 'noop' },
    })
    const daemon = await call<{ id: string }>(a, 'POST', '/v1/schedules', {
      name: 'daemon',
      trigger: { type: 'daemon', restart: 'always', backoff: { initialMs: 100, maxMs: 200 } },
      job: { type: 'sleep', params: { ms: 60_000 } },
    })
    // Jobs created through the victim, so it runs a share of them; both retry budgets.
    const accepted: Run[] = []
    for (let i = 0; i < 6; i++) {
      for (const server of [victim, a]) {
        const res = await call<Run>(server, 'POST', '/v1/jobs', sleep60s(i % 2 === 0 ? 1 : 3))
        expect(res.status).toBe(201)
        accepted.push(res.body)
      }
    }
    const onVictim = await waitFor(
      async () => {
        const running = (await all(a, '&state=running')).filter((j) => j.instance === 'victim')
        return running.length > 0 && running
      },
      { timeoutMs: 20_000, intervalMs: 50 },
    )
    // Mid-load: creates in flight at the kill; only those answered 201 are promised.
    const burst = Array.from({ length: 100 }, () =>
      call<Run>(victim, 'POST', '/v1/jobs', { type: 'noop' }).then(
        (res) => {
          if (res.status === 201) accepted.push(res.body)
        },
        () => {},
      ),
    )
    victim.child.kill('SIGKILL')
    await Promise.all(burst)
    await victim.exited

    // After the lease the others recover the victim's runs: none of them stays running there.
    const recovered = await waitFor(
      async () => {
        const jobs = await all(a)
        const stillThere = jobs.filter(
          (j) => onVictim.some((v) => v.id === j.id) && j.attempt === 1 && j.state === 'running',
        )
        return stillThere.length === 0 && jobs
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    )
    const byId = new Map(recovered.map((j) => [j.id, j]))
    for (const job of accepted)
      expect(byId.get(job.id), `job ${job.id} got a 201 and is missing`).toBeDefined()
    for (const lost of onVictim) {
      const now = byId.get(lost.id)
      if (now?.retry.maxAttempts === 1) {
        expect(now).toMatchObject({ state: 'failed', error: { code: 'interrupted' } })
      } else if (now?.scheduleId === null) {
        expect(now).toMatchObject({ attempt: 2, error: { code: 'interrupted' } })
        expect(['queued', 'running']).toContain(now.state)
      }
    }
    // The victim leaves the list once unseen for a lease: its runs' leases and its instance
    // heartbeat are renewed by different timers, so that may come a little after its runs recover.
    const listed = await waitFor(
      async () => {
        const { body } = await call<{ items: { id: string }[] }>(b, 'GET', '/v1/instances')
        const ids = body.items.map((i) => i.id).sort()
        return !ids.includes('victim') && ids
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    )
    expect(listed).toEqual(['a', 'b'])

    // Ticks: each due time has one run; the daemon has one run alive.
    await new Promise((resolve) => setTimeout(resolve, 600))
    const tickRuns = await all(a, `&scheduleId=${ticks.body.id}`)
    const dues = tickRuns.map((r) => r.dueAt)
    expect(new Set(dues).size).toBe(dues.length)
    const daemonRuns = await waitFor(async () => {
      const active = await all(a, `&scheduleId=${daemon.body.id}&state=queued,running`)
      return active.length === 1 && active
    })
    expect(daemonRuns[0]?.instance).not.toBe('victim')

    for (const server of [a, b]) server.child.kill('SIGTERM')
    expect(await Promise.all([a.exited, b.exited])).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ])
  })
})
