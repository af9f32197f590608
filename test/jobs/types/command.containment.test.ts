import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { CancelledError } from '../../../src/jobs/errors.ts'
import { Cgroups } from '../../../src/jobs/processes/cgroup.ts'
import { CommandProcesses, type Containment } from '../../../src/jobs/processes/command-processes.ts'
import type { ProcessRecord } from '../../../src/store/process-store.ts'
import { createFakeContext, failure } from '../../helpers/fake-context.ts'
import { killAfterTest, processesWith, uniqueToken } from '../../helpers/processes.ts'
import { waitFor } from '../../helpers/wait-for.ts'
import { runCommand } from './command-fixture.ts'

function tracked(containment: Containment) {
  const records = new Map<string, ProcessRecord>()
  const processes = new CommandProcesses({
    store: {
      record: async (r) => void records.set(r.id, r),
      setLeader: async (id, pid, startTicks) => {
        const r = records.get(id)
        if (r) records.set(id, { ...r, pid, startTicks })
      },
      forget: async (id) => void records.delete(id),
      listForeign: async (owner) => [...records.values()].filter((r) => r.owner !== owner),
    },
    owner: 'test',
    logger: pino({ level: 'silent' }),
    containment,
    killGraceMs: 200,
  })
  return { processes, records }
}

/** `sh` starting one sleeper in its group and one that leaves it with setsid; prints nothing. */
const escapingRun = (token: string) => ({
  command: 'sh',
  args: ['-c', `setsid sleep ${token} & sleep ${token}; wait`],
})

describe('command runs are recorded and contained', () => {
  it('records a run before it runs and forgets it once nothing of it is alive', async () => {
    const token = killAfterTest(uniqueToken())
    const { processes, records } = tracked('group')
    const fake = createFakeContext()
    const running = failure(
      runCommand({ command: 'sh', args: ['-c', `sleep ${token}`] }, { processes }, fake),
    )
    await waitFor(() => processesWith(token).length === 1)
    const [record] = [...records.values()]
    expect(record).toMatchObject({ jobId: 'job-test', attempt: 1, owner: 'test', pid: expect.any(Number) })
    expect(record?.startTicks).toBeGreaterThan(0)
    fake.abort(new CancelledError('job-test'))
    await running
    await waitFor(() => records.size === 0)
    expect(processesWith(token)).toEqual([])
  })

  it('process groups only: a child that calls setsid escapes the cancel (the documented limit)', async () => {
    const token = killAfterTest(uniqueToken())
    const { processes } = tracked('group')
    const fake = createFakeContext()
    const running = failure(runCommand(escapingRun(token), { processes }, fake))
    const before = await waitFor(() => processesWith(token).length === 2 && processesWith(token))
    fake.abort(new CancelledError('job-test'))
    // The escapee keeps the output pipe open, so the run cannot settle (the engine forces it after
    // its grace); the group's own sleeper is ended, the other one lives on.
    await waitFor(() => processesWith(token).length === 1)
    const [escapee] = processesWith(token)
    const leftBehind = before.find((p) => p.pid !== escapee?.pid)
    expect(escapee?.pgrp).not.toBe(leftBehind?.pgrp) // it had left the run's process group
    process.kill(escapee!.pid, 'SIGKILL')
    await running
  })

  const cgroups = Cgroups.detect()
  const why = cgroups instanceof Cgroups ? 'cgroups available' : `skipped: ${cgroups.unavailable}`
  it.skipIf(!(cgroups instanceof Cgroups))(
    `cgroups: a setsid child is ended with its run (${why})`,
    async () => {
      const token = killAfterTest(uniqueToken())
      const { processes, records } = tracked('cgroup')
      expect(processes.containment).toBe('cgroup')
      const fake = createFakeContext()
      const running = failure(runCommand(escapingRun(token), { processes }, fake))
      await waitFor(() => processesWith(token).length === 2)
      expect(new Set(processesWith(token).map((p) => p.pgrp)).size).toBe(2)
      expect([...records.values()][0]?.cgroup).toMatch(/jobvisor-job-test\.1\./)
      fake.abort(new CancelledError('job-test'))
      await running
      await waitFor(() => processesWith(token).length === 0 && records.size === 0)
    },
  )

  it.skipIf(!(cgroups instanceof Cgroups))(`cgroups: shutdown ends escapees too (${why})`, async () => {
    const token = killAfterTest(uniqueToken())
    const { processes } = tracked('cgroup')
    const fake = createFakeContext()
    const running = failure(
      runCommand(
        { command: 'sh', args: ['-c', `trap "" TERM; setsid sleep ${token} & sleep ${token}; wait`] },
        { processes },
        fake,
      ),
    )
    await waitFor(() => processesWith(token).length === 2)
    fake.stop() // shutdown's stopSignal: SIGTERM, ignored
    await processes.endAll()
    expect(processesWith(token)).toEqual([])
    fake.abort(new CancelledError('job-test'))
    await running
  })
})
