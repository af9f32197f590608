// The README's walk-through with the typed client (jobvisor/client): `npx tsx examples/client-walkthrough.ts`
// against a running service (JOBVISOR_URL, default http://127.0.0.1:3000; JOBVISOR_TOKEN if it needs one).
import { createClient, type Job, unwrap } from '../src/client/index.ts'

const api = createClient({
  baseUrl: process.env.JOBVISOR_URL ?? 'http://127.0.0.1:3000',
  token: process.env.JOBVISOR_TOKEN,
})
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const show = (title: string, value: unknown) => console.log(`${title}: ${JSON.stringify(value)}`)
function byId(id: string) {
  return { params: { path: { id } } }
}

// A long job, cancelled — its cleanup runs.
{
  const job = unwrap(await api.POST('/v1/jobs', { body: { type: 'sleep', params: { ms: 60_000 } } }))
  await sleep(200)
  const cancel = await api.POST('/v1/jobs/{id}/cancel', {
    ...byId(job.id),
    body: { reason: 'no longer needed' },
  })
  show('cancel', { status: cancel.response.status, state: unwrap(cancel).state })
  const { done } = unwrap(await api.POST('/v1/jobs/wait', { body: { ids: [job.id], timeoutMs: 5000 } }))
  const logs = unwrap(await api.GET('/v1/jobs/{id}/logs', byId(job.id)))
  show('finally', { state: done[0]?.state, log: logs.items.map((line) => line.msg) })
}

// A job that times out.
{
  const job = unwrap(
    await api.POST('/v1/jobs', { body: { type: 'sleep', params: { ms: 5000 }, timeoutMs: 1000 } }),
  )
  const { done } = unwrap(await api.POST('/v1/jobs/wait', { body: { ids: [job.id], timeoutMs: 3000 } }))
  show(
    'timed out',
    done.map(({ state, error }) => ({ state, error })),
  )
}

// Three jobs waited on with a timeout: done, pending, and the rest cancelled.
{
  const ids: string[] = []
  for (const ms of [500, 1000, 60_000])
    ids.push(unwrap(await api.POST('/v1/jobs', { body: { type: 'sleep', params: { ms } } })).id)
  const result = unwrap(
    await api.POST('/v1/jobs/wait', { body: { ids, timeoutMs: 3000, cancelPending: true } }),
  )
  const brief = (jobs: Job[]) => jobs.map(({ state, result }) => ({ state, result }))
  show('wait', { done: brief(result.done), pending: brief(result.pending) })
}

// Every 2 seconds, stopped after 7 — by cancelling the current run; then the same with a graceful stop.
for (const mode of ['immediate', 'graceful'] as const) {
  const schedule = unwrap(
    await api.POST('/v1/schedules', {
      body: {
        name: `every-2s-${mode}`,
        trigger: { type: 'interval', every: '2s' },
        job: { type: 'sleep', params: { ms: 1500 } },
      },
    }),
  )
  await sleep(7000)
  const stopped = unwrap(await api.POST('/v1/schedules/{id}/stop', { ...byId(schedule.id), body: { mode } }))
  show(`stop ${mode}`, {
    state: stopped.state,
    runCount: stopped.runCount,
    active: stopped.activeJobIds.length,
  })
  await sleep(1600)
  const runs = unwrap(await api.GET('/v1/jobs', { params: { query: { scheduleId: schedule.id } } }))
  show(
    `runs (${mode})`,
    runs.items.map((run) => run.state),
  )
  const ticks = unwrap(await api.GET('/v1/schedules/{id}/ticks', byId(schedule.id)))
  show(
    `ticks (${mode})`,
    ticks.items.map((tick) => tick.outcome),
  )
}

// A background job that keeps running while the service does other work.
{
  const daemon = unwrap(
    await api.POST('/v1/schedules', {
      body: {
        name: 'watcher',
        trigger: { type: 'daemon', restart: 'always' },
        job: { type: 'sleep', params: { ms: 3_600_000 } },
      },
    }),
  )
  const ids: string[] = []
  for (let i = 0; i < 3; i++)
    ids.push(unwrap(await api.POST('/v1/jobs', { body: { type: 'sleep', params: { ms: 100 } } })).id)
  const { done } = unwrap(await api.POST('/v1/jobs/wait', { body: { ids, timeoutMs: 5000 } }))
  const watcher = unwrap(await api.GET('/v1/schedules/{id}', byId(daemon.id)))
  show(
    'meanwhile',
    done.map((job) => job.state),
  )
  show('daemon', { state: watcher.state, runCount: watcher.runCount, active: watcher.activeJobIds.length })
  unwrap(await api.POST('/v1/schedules/{id}/stop', { ...byId(daemon.id), body: { mode: 'immediate' } }))
}
