import { setTimeout as delay } from 'node:timers/promises'
import { cgroupPids, signalCgroup } from './cgroup.ts'
import { isGroupAlive, signalGroup } from './proc.ts'

/** How often an ending group is looked at: fast enough for a prompt slot, cheap on /proc. */
const POLL_MS = 25
/** After SIGKILL a process is gone within milliseconds; past this something is stuck (D state). */
const KILL_WAIT_MS = 2000

/**
 * The processes of one command run: its process group (the leader's pid) and, when contained,
 * its cgroup, which also holds whatever left the group with setsid(). Owns the SIGTERM → SIGKILL
 * escalation so that every way a run ends (cancel, timeout, exit of the leader, shutdown, the
 * reaper after a crash) ends all of its processes the same way.
 */
export class RunGroup {
  readonly pgid: number | null
  readonly cgroup: string | null
  #ending: Promise<void> | null = null
  #skipGrace = false

  constructor(pgid: number | null, cgroup: string | null) {
    this.pgid = pgid
    this.cgroup = cgroup
  }

  /** Signals every process of the run; false when none was left to signal. */
  signal(signal: NodeJS.Signals): boolean {
    const inGroup = this.pgid !== null && signalGroup(this.pgid, signal)
    if (this.cgroup === null) return inGroup
    const inCgroup = cgroupPids(this.cgroup).length > 0
    if (inCgroup) signalCgroup(this.cgroup, signal)
    return inGroup || inCgroup
  }

  isAlive(): boolean {
    if (this.cgroup !== null && cgroupPids(this.cgroup).length > 0) return true
    return this.pgid !== null && isGroupAlive(this.pgid)
  }

  /**
   * SIGTERM now, SIGKILL after `graceMs` if anything is left; resolves once nothing is (or, for a
   * process that even SIGKILL cannot end at once, after a bounded wait). Repeat calls share one end.
   */
  end(graceMs: number): Promise<void> {
    this.#ending ??= this.#escalate(graceMs)
    return this.#ending
  }

  /** Skips what is left of the grace: SIGKILL at once (shutdown, after its own grace). */
  kill(): Promise<void> {
    this.#skipGrace = true
    return this.end(0)
  }

  async #escalate(graceMs: number): Promise<void> {
    this.signal('SIGTERM')
    await this.#gone(graceMs, true)
    if (this.isAlive()) {
      this.signal('SIGKILL')
      await this.#gone(KILL_WAIT_MS, false)
    }
  }

  /** Resolves when nothing of the run is alive, after `ms`, or (in the grace) once kill() is called. */
  async #gone(ms: number, isGrace: boolean): Promise<void> {
    for (let waited = 0; this.isAlive() && waited < ms; waited += POLL_MS) {
      if (isGrace && this.#skipGrace) return
      await delay(Math.min(POLL_MS, ms - waited))
    }
  }
}
