import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import type { ProcessRecord, ProcessStore } from '../../store/process-store.ts'
import { Cgroups, removeCgroup } from './cgroup.ts'
import { bootId, readStat } from './proc.ts'
import { endLeftoverRuns, type ReapScope } from './reaper.ts'
import { RunGroup } from './run-group.ts'

/** JOBVISOR_COMMAND_CONTAINMENT: cgroups when this process may create them, or only process groups. */
export type Containment = 'auto' | 'cgroup' | 'group'

export interface CommandProcessesOptions {
  /** Where runs are recorded; null keeps no records (a command type used outside the service). */
  store: ProcessStore | null
  /** This instance's owner id. */
  owner: string
  logger: Logger
  containment: Containment
  /** False when no command may run (JOBVISOR_COMMANDS empty): containment is then not probed. */
  enabled?: boolean
  /** SIGTERM → SIGKILL delay for what a run leaves behind and for groups found at start. */
  killGraceMs: number
}

/** The containment asked for cannot be had (JOBVISOR_COMMAND_CONTAINMENT=cgroup without the rights). */
export class ContainmentUnavailableError extends Error {}

/**
 * Every command run's processes in this service: where they are contained, what is recorded of
 * them in the store, and their end — after the run, at shutdown, and at the next start after a
 * crash. A run is recorded before it is spawned and forgotten only once nothing of it is alive.
 */
export class CommandProcesses {
  readonly #o: CommandProcessesOptions
  readonly #bootId = bootId()
  /** Runs whose processes may be alive, with their record id. */
  readonly #live = new Map<RunGroup, string>()
  readonly #releasing = new Set<Promise<void>>()
  #cgroups: Cgroups | null | undefined

  constructor(options: CommandProcessesOptions) {
    this.#o = options
  }

  /** 'cgroup' when runs (and whatever they setsid) are contained in cgroups, else 'group'. */
  get containment(): 'cgroup' | 'group' {
    return this.#detect() ? 'cgroup' : 'group'
  }

  /**
   * At start, before any run is retried (SPEC §8): ends the processes of runs that an earlier
   * process (crashed, killed) left behind on this machine, as recorded in the store; checks the
   * containment, so that `cgroup` without the rights fails at start rather than at the first run.
   */
  async start(scope: ReapScope): Promise<number> {
    if (this.#o.enabled !== false) this.#detect()
    return this.reap(scope)
  }

  /** Ends what dead owners left running here; called again before their runs are recovered. */
  async reap(scope: ReapScope): Promise<number> {
    const store = this.#o.store
    if (!store) return 0
    const { owner, logger, killGraceMs } = this.#o
    return endLeftoverRuns(await store.listForeign(owner), { store, logger, graceMs: killGraceMs, scope })
  }

  /** Records the run, forks it (inside its cgroup when contained) and records its leader. */
  async spawn(
    jobId: string,
    attempt: number,
    fork: () => ChildProcess,
  ): Promise<{ child: ChildProcess; group: RunGroup }> {
    const cgroups = this.#detect()
    const id = `${jobId}.${attempt}.${randomBytes(4).toString('hex')}`
    const cgroup = cgroups?.create(`jobvisor-${id}`) ?? null
    const record: ProcessRecord = {
      id,
      jobId,
      attempt,
      owner: this.#o.owner,
      bootId: this.#bootId,
      cgroup,
      pid: null,
      startTicks: null,
      createdAt: Date.now(),
    }
    let child: ChildProcess
    try {
      await this.#o.store?.record(record)
      child = cgroups && cgroup ? cgroups.spawnInside(cgroup, fork) : fork()
    } catch (err) {
      const unborn = new RunGroup(null, cgroup)
      this.#live.set(unborn, id)
      await this.#release(unborn)
      throw err
    }
    const pid = child.pid ?? null
    if (pid !== null) {
      this.#o.store?.setLeader(id, pid, readStat(pid)?.startTicks ?? null).catch((err: unknown) => {
        this.#o.logger.error({ err, jobId, pid }, 'recording a command process failed')
      })
    }
    const group = new RunGroup(pid, cgroup)
    this.#live.set(group, id)
    return { child, group }
  }

  /** The run is over: ends what it left behind (SIGTERM, SIGKILL after the grace), then forgets it. */
  finished(group: RunGroup): void {
    if (!this.#live.has(group)) return
    const ending = group.isAlive() ? group.end(this.#o.killGraceMs) : Promise.resolve()
    const released = ending.then(() => this.#release(group))
    this.#releasing.add(released)
    void released.finally(() => this.#releasing.delete(released))
  }

  /**
   * Shutdown, after the engine's drain: the runs had `stopSignal` (SIGTERM) and the whole shutdown
   * grace, so whatever is still alive gets SIGKILL now; resolves once it is gone and forgotten.
   */
  async endAll(): Promise<void> {
    const groups = [...this.#live.keys()]
    await Promise.all(groups.map((g) => g.kill()))
    await Promise.all(groups.map((g) => this.#release(g)))
    await Promise.all([...this.#releasing])
  }

  #detect(): Cgroups | null {
    if (this.#cgroups !== undefined) return this.#cgroups
    if (this.#o.containment === 'group') {
      this.#cgroups = null
      return null
    }
    const found = Cgroups.detect()
    if (found instanceof Cgroups) {
      this.#o.logger.info({ cgroup: found.base }, 'command runs are contained in cgroups')
      this.#cgroups = found
      return found
    }
    if (this.#o.containment === 'cgroup') {
      throw new ContainmentUnavailableError(`cgroup containment is unavailable: ${found.unavailable}`)
    }
    this.#o.logger.warn(
      { reason: found.unavailable },
      'command runs are contained by process groups only: a process that calls setsid() escapes',
    )
    this.#cgroups = null
    return null
  }

  async #release(group: RunGroup): Promise<void> {
    const id = this.#live.get(group)
    if (id === undefined) return
    this.#live.delete(group)
    if (group.cgroup !== null) removeCgroup(group.cgroup)
    try {
      await this.#o.store?.forget(id)
    } catch (err) {
      // Kept in the store: the next start finds nothing alive and forgets it then.
      this.#o.logger.error({ err, recordId: id }, 'forgetting a command process failed')
    }
  }
}
