import type { Logger } from 'pino'
import type { ProcessRecord, ProcessStore } from '../../store/process-store.ts'
import { cgroupPids, removeCgroup } from './cgroup.ts'
import { bootId, groupMembers, readStat } from './proc.ts'
import { RunGroup } from './run-group.ts'

/**
 * What is still alive of a recorded run, or null when nothing is (or nothing provably is ours).
 *
 * - Another boot: everything of it died with the machine.
 * - Its cgroup: unique to the run, so whatever is in it is the run's.
 * - Its process group, when the leader is alive with the recorded start time, or dead while
 *   members of its group live on: Linux never hands out a pid that is still some group's id, so
 *   such a group cannot be another program's. A leader alive with another start time is a reused
 *   pid — our group is long gone — and is never signalled.
 */
export function leftoverGroup(record: ProcessRecord, currentBootId = bootId()): RunGroup | null {
  if (record.bootId !== currentBootId) return null
  const cgroup = record.cgroup !== null && cgroupPids(record.cgroup).length > 0 ? record.cgroup : null
  let pgid: number | null = null
  if (record.pid !== null) {
    const leader = readStat(record.pid)
    // A zombie leader still names its group; its live members are found by RunGroup.isAlive.
    const sameLeader = leader !== undefined && leader.startTicks === record.startTicks
    if (sameLeader || (leader === undefined && groupMembers(record.pid).length > 0)) pgid = record.pid
  }
  if (cgroup === null && pgid === null) return null
  const group = new RunGroup(pgid, cgroup)
  return group.isAlive() ? group : null
}

/** Which recorded runs are ours to end, and when a record of another machine may be forgotten. */
export interface ReapScope {
  /** Whether the record's owner is still running: a live instance's runs are its own. */
  isOwnerAlive(owner: string): boolean
  /**
   * A record of another boot (machine or reboot) is forgotten once this old: at once when the
   * store is this machine's alone, later when other hosts share it (only their instances can end
   * their processes).
   */
  otherBootAfterMs: number
}

/**
 * Ends, in parallel, the processes of recorded runs that a dead process left behind (SIGTERM, then
 * SIGKILL after `graceMs`), logging each, and forgets the records. Resolves with how many runs
 * still had processes.
 */
export async function endLeftoverRuns(
  records: readonly ProcessRecord[],
  deps: { store: ProcessStore; logger: Logger; graceMs: number; scope: ReapScope },
): Promise<number> {
  const current = bootId()
  const now = Date.now()
  let ended = 0
  await Promise.all(
    records.map(async (record) => {
      if (deps.scope.isOwnerAlive(record.owner)) return
      if (record.bootId !== current) {
        if (now - record.createdAt >= deps.scope.otherBootAfterMs) await deps.store.forget(record.id)
        return
      }
      const group = leftoverGroup(record, current)
      if (group) {
        ended++
        deps.logger.warn(
          { jobId: record.jobId, attempt: record.attempt, pgid: group.pgid, cgroup: group.cgroup },
          'ending command processes left running by a previous service process',
        )
        await group.end(deps.graceMs)
      }
      if (record.cgroup !== null) removeCgroup(record.cgroup)
      await deps.store.forget(record.id)
    }),
  )
  return ended
}
