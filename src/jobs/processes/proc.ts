import { readdirSync, readFileSync } from 'node:fs'

/** What /proc/<pid>/stat tells about a process that matters for ending command runs. */
export interface ProcStat {
  pid: number
  /** One letter: R running, S sleeping, Z zombie, … */
  state: string
  /** Process group id. */
  pgrp: number
  /** Start time in clock ticks since boot: with the boot id, it tells a reused pid from the original. */
  startTicks: number
}

/**
 * Parses `/proc/<pid>/stat`; undefined when the process is gone (or this is not Linux). The
 * command name (field 2) may hold spaces and parentheses, so fields are counted after its last `)`.
 */
export function readStat(pid: number): ProcStat | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  // After the name: state(3) ppid(4) pgrp(5) … starttime(22), i.e. indexes 0, 2 and 19 here.
  const [state, , pgrp] = fields
  const startTicks = Number(fields[19])
  if (state === undefined || pgrp === undefined || !Number.isSafeInteger(startTicks)) return undefined
  return { pid, state, pgrp: Number(pgrp), startTicks }
}

/** The kernel's boot id: start ticks only compare within one boot. Null where there is no /proc. */
export function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  } catch {
    return null
  }
}

/** Every live (non-zombie) process whose process group is `pgid`, found by walking /proc. */
export function groupMembers(pgid: number): ProcStat[] {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return []
  }
  const members: ProcStat[] = []
  for (const entry of entries) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid <= 0) continue
    const stat = readStat(pid)
    if (stat && stat.pgrp === pgid && stat.state !== 'Z') members.push(stat)
  }
  return members
}

/** Sends `signal` to every process of group `pgid`; false when nobody is left (ESRCH). */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal)
    return true
  } catch {
    return false
  }
}

/**
 * Whether group `pgid` still has a live process. `kill(-pgid, 0)` also succeeds for zombies —
 * orphans re-parented to an init that never reaps them — so a hit is confirmed on /proc.
 */
export function isGroupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false
  const members = groupMembers(pgid)
  // No /proc to look at (not Linux): trust kill.
  return members.length > 0 || !hasProc()
}

const hasProc = (): boolean => readStat(process.pid) !== undefined
