/**
 * A command run's processes as recorded in the store, so that a service that crashed can end them
 * at its next start, before any run is retried (SPEC §8: a run is never executing twice).
 */
export interface ProcessRecord {
  /** Unique per run start: `<jobId>.<attempt>.<random>`. */
  id: string
  jobId: string
  attempt: number
  /** The instance that started it. */
  owner: string
  /** The kernel boot the processes belong to: after a reboot there is nothing left to end. */
  bootId: string | null
  /** The run's cgroup directory when runs are contained in cgroups, else null. */
  cgroup: string | null
  /** The group leader's pid (= the process group id); null until the process is spawned. */
  pid: number | null
  /** The leader's start time (clock ticks since boot): a reused pid never matches it. */
  startTicks: number | null
  createdAt: number
}

export interface ProcessStore {
  /** Stored before the spawn, so a crash right after it still leaves a record (with its cgroup). */
  record(record: ProcessRecord): Promise<void>
  /** The leader's pid and start time, once spawned. */
  setLeader(id: string, pid: number, startTicks: number | null): Promise<void>
  /** Nothing of the run is left alive. */
  forget(id: string): Promise<void>
  /** Records of runs started by an owner other than `owner`. */
  listForeign(owner: string): Promise<ProcessRecord[]>
}
