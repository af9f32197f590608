import { describe, expect, it } from 'vitest'
import { Cgroups } from '../src/jobs/processes/cgroup.ts'
import { killAfterTest, processesWith, uniqueToken } from './helpers/processes.ts'
import { call, exitWithin, type JobJson, startServer, tempDbFile } from './helpers/server-process.ts'
import { waitFor } from './helpers/wait-for.ts'

const SHUTDOWN_GRACE_MS = 500
// A child leaving its group with setsid is only contained where the service can use cgroups.
const contained = Cgroups.detect() instanceof Cgroups

function envFor(db: string) {
  return {
    JOBVISOR_DB: db,
    JOBVISOR_COMMANDS: '/bin/sh',
    JOBVISOR_GRACE_MS: '300',
    JOBVISOR_SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
  }
}

describe('command runs leave nothing behind (SPEC §8)', { timeout: 60_000 }, () => {
  it('after kill -9 and a restart, no process of the first run survives and only the retry runs', async () => {
    const token = killAfterTest(uniqueToken())
    const env = envFor(tempDbFile())
    const first = await startServer(env)
    const escapee = contained ? `setsid sleep ${token} & ` : ''
    const script = `${escapee}sleep ${token} & sleep ${token}; wait`
    const created = await call<JobJson>(first, 'POST', '/v1/jobs', {
      type: 'command',
      params: { command: '/bin/sh', args: ['-c', script] },
      retry: { maxAttempts: 3 },
    })
    expect(created.status).toBe(201)
    const sleepers = contained ? 3 : 2
    const firstRun = await waitFor(() => processesWith(token).length === sleepers && processesWith(token), {
      timeoutMs: 10_000,
    })

    first.child.kill('SIGKILL')
    await first.exited
    // Re-parented to init, the first run lives on: this is what the next start must end.
    expect(processesWith(token).map((p) => p.pid)).toEqual(firstRun.map((p) => p.pid))

    const second = await startServer(env)
    await second.logged('ending command processes left running by a previous service process')
    const retried = await waitFor(
      async () => {
        const job = (await call<JobJson>(second, 'GET', `/v1/jobs/${created.body.id}`)).body
        return job.state === 'running' && job.attempt === 2 && processesWith(token).length === sleepers && job
      },
      { timeoutMs: 10_000 },
    )
    expect(retried.error?.code).toBe('interrupted')
    const firstPids = new Set(firstRun.map((p) => p.pid))
    expect(processesWith(token).filter((p) => firstPids.has(p.pid))).toEqual([])

    // Cancel reaches the one run there is; nothing of it is left after.
    expect((await call(second, 'POST', `/v1/jobs/${created.body.id}/cancel`)).status).toBe(202)
    await waitFor(() => processesWith(token).length === 0, { timeoutMs: 5000 })
    second.child.kill('SIGTERM')
    expect(await exitWithin(second, 10_000)).toEqual({ code: 0, signal: null })
  })

  it('a graceful shutdown ends a run that ignores SIGTERM: SIGKILL after the grace, exit 0 within grace + 1 s', async () => {
    const token = killAfterTest(uniqueToken())
    const server = await startServer(envFor(tempDbFile()))
    const escapee = contained ? `setsid sleep ${token} & ` : ''
    const created = await call<JobJson>(server, 'POST', '/v1/jobs', {
      type: 'command',
      params: {
        command: '/bin/sh',
        args: ['-c', `trap "" TERM; ${escapee}sleep ${token} & sleep ${token}; wait`],
      },
    })
    expect(created.status).toBe(201)
    await waitFor(() => processesWith(token).length === (contained ? 3 : 2), { timeoutMs: 10_000 })
    server.child.kill('SIGTERM')
    expect(await exitWithin(server, SHUTDOWN_GRACE_MS + 1000)).toEqual({ code: 0, signal: null })
    expect(processesWith(token)).toEqual([])
  })
})
