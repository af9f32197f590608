import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { Cgroups } from '../../../src/jobs/processes/cgroup.ts'
import { bootId, groupMembers, readStat } from '../../../src/jobs/processes/proc.ts'
import { endLeftoverRuns, leftoverGroup } from '../../../src/jobs/processes/reaper.ts'
import type { ProcessRecord, ProcessStore } from '../../../src/store/process-store.ts'
import { killAfterTest, processesWith, uniqueToken } from '../../helpers/processes.ts'
import { waitFor } from '../../helpers/wait-for.ts'

const silent = pino({ level: 'silent' })
/** A store of this machine's alone: every other owner is dead, another boot's records are stale. */
const ALL_DEAD = { isOwnerAlive: () => false, otherBootAfterMs: 0 }

/** A detached `sh -c script` (its own process group), as the command type starts runs. */
function detached(script: string) {
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' })
  child.unref()
  return child.pid!
}

/** Like {@link detached}, resolving once the leader has exited and been reaped. */
function detachedLeaderGone(script: string): Promise<number> {
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' })
  return new Promise((resolve) => child.once('exit', () => resolve(child.pid!)))
}

function recordOf(pid: number | null, extra: Partial<ProcessRecord> = {}): ProcessRecord {
  return {
    id: `job.1.${pid}`,
    jobId: 'job',
    attempt: 1,
    owner: 'dead-owner',
    bootId: bootId(),
    cgroup: null,
    pid,
    startTicks: pid === null ? null : (readStat(pid)?.startTicks ?? null),
    createdAt: Date.now(),
    ...extra,
  }
}

function memoryStore(records: ProcessRecord[]): ProcessStore & { forgotten: string[] } {
  const forgotten: string[] = []
  return {
    forgotten,
    record: async (r) => {
      records.push(r)
    },
    setLeader: async () => {},
    forget: async (id) => {
      forgotten.push(id)
    },
    listForeign: async (owner) => records.filter((r) => r.owner !== owner),
  }
}

describe('/proc reading', () => {
  it('reads its own stat: process group and start time', () => {
    const stat = readStat(process.pid)
    expect(stat).toMatchObject({ pid: process.pid, state: expect.any(String) })
    expect(stat?.startTicks).toBeGreaterThan(0)
    expect(readStat(2 ** 30)).toBeUndefined()
  })

  it('lists a group that outlived its leader', async () => {
    const token = killAfterTest(uniqueToken())
    const leader = await detachedLeaderGone(`sleep ${token} & exit 0`)
    // The shell may exit before its forked child has exec'd `sleep`: wait until it has.
    await waitFor(() => processesWith(token).length === 1)
    expect(groupMembers(leader).map((m) => m.pid)).toEqual(processesWith(token).map((p) => p.pid))
  })
})

describe('ending what a dead service left running', () => {
  it('ends a recorded group whose leader is alive with the recorded start time, SIGKILL after the grace', async () => {
    const token = killAfterTest(uniqueToken())
    const leader = detached(`trap "" TERM; sleep ${token} & sleep ${token}; wait`)
    await waitFor(() => processesWith(token).length === 2)
    const store = memoryStore([recordOf(leader)])
    expect(
      await endLeftoverRuns(await store.listForeign('me'), {
        store,
        logger: silent,
        graceMs: 100,
        scope: ALL_DEAD,
      }),
    ).toBe(1)
    expect(processesWith(token)).toEqual([])
    expect(store.forgotten).toEqual([`job.1.${leader}`])
  })

  it('ends the members of a group whose leader is gone', async () => {
    const token = killAfterTest(uniqueToken())
    const leader = await detachedLeaderGone(`sleep ${token} & exit 0`)
    const record = recordOf(leader, { startTicks: 1 })
    expect(leftoverGroup(record)?.pgid).toBe(leader)
    const store = memoryStore([record])
    await endLeftoverRuns([record], { store, logger: silent, graceMs: 100, scope: ALL_DEAD })
    expect(processesWith(token)).toEqual([])
  })

  it('never signals a reused pid: a live process with another start time is left alone', async () => {
    const token = killAfterTest(uniqueToken())
    const stranger = detached(`sleep ${token}`)
    const [sleeper] = await waitFor(() => processesWith(token).length === 1 && processesWith(token))
    const record = recordOf(stranger, { startTicks: (readStat(stranger)?.startTicks ?? 0) - 1 })
    expect(leftoverGroup(record)).toBeNull()
    const store = memoryStore([record])
    expect(await endLeftoverRuns([record], { store, logger: silent, graceMs: 100, scope: ALL_DEAD })).toBe(0)
    expect(processesWith(token)).toEqual([sleeper])
    expect(store.forgotten).toEqual([record.id])
  })

  it('leaves records of another boot alone: forgotten at once alone, kept a while on a shared store', async () => {
    const token = killAfterTest(uniqueToken())
    const leader = detached(`sleep ${token}`)
    await waitFor(() => processesWith(token).length === 1)
    const record = recordOf(leader, { bootId: 'another-boot' })
    expect(leftoverGroup(record)).toBeNull()
    const store = memoryStore([record])
    const shared = { isOwnerAlive: () => false, otherBootAfterMs: 60_000 }
    await endLeftoverRuns([record], { store, logger: silent, graceMs: 100, scope: shared })
    expect(store.forgotten).toEqual([])
    await endLeftoverRuns([record], { store, logger: silent, graceMs: 100, scope: ALL_DEAD })
    expect(store.forgotten).toEqual([record.id])
    expect(processesWith(token)).toHaveLength(1)
  })

  it('never touches the runs of an owner that is alive (another instance on this machine)', async () => {
    const token = killAfterTest(uniqueToken())
    const leader = detached(`sleep ${token}`)
    await waitFor(() => processesWith(token).length === 1)
    const store = memoryStore([recordOf(leader)])
    const alive = { isOwnerAlive: (owner: string) => owner === 'dead-owner', otherBootAfterMs: 0 }
    const records = await store.listForeign('me')
    expect(await endLeftoverRuns(records, { store, logger: silent, graceMs: 100, scope: alive })).toBe(0)
    expect(store.forgotten).toEqual([])
    expect(processesWith(token)).toHaveLength(1)
  })

  const cgroups = Cgroups.detect()
  it.skipIf(!(cgroups instanceof Cgroups))(
    `ends everything in a recorded cgroup, setsid escapees included (${cgroups instanceof Cgroups ? 'cgroups available' : `skipped: ${(cgroups as { unavailable: string }).unavailable}`})`,
    async () => {
      const cg = cgroups as Cgroups
      const token = killAfterTest(uniqueToken())
      const dir = cg.create(`jobvisor-test-${token}`)
      const leader = cg.spawnInside(dir, () => detached(`setsid sleep ${token} & sleep ${token}; wait`))
      await waitFor(() => processesWith(token).length === 2)
      const pgids = new Set(processesWith(token).map((p) => p.pgrp))
      expect(pgids.size).toBe(2) // one escaped the group with setsid
      const store = memoryStore([recordOf(leader, { cgroup: dir })])
      await endLeftoverRuns(await store.listForeign('me'), {
        store,
        logger: silent,
        graceMs: 100,
        scope: ALL_DEAD,
      })
      expect(processesWith(token)).toEqual([])
      expect(existsSync(dir)).toBe(false)
    },
  )
})
