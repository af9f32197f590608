/** One running jobvisor process as registered in the store (SPEC §10 GET /v1/instances). */
export interface InstanceRecord {
  /** JOBVISOR_INSTANCE_ID. */
  id: string
  /** The process (owner id) currently registered under this id. */
  owner: string
  startedAt: number
  lastSeenAt: number
  /** Jobs it executes (running or cancelling) at its last heartbeat. */
  running: number
  version: string
  bootId: string | null
}

export interface InstanceStore {
  /** Registers (or takes over, after a restart with the same id) the row of `instance.id`. */
  register(instance: InstanceRecord): Promise<void>
  /** Heartbeat: only the registered owner's beat counts. */
  beat(id: string, owner: string, now: number, running: number): Promise<void>
  /** A clean stop: the row goes at once rather than after the lease. */
  remove(id: string, owner: string): Promise<void>
  /** Instances seen at or after `seenSince`, oldest first. */
  list(seenSince: number): Promise<InstanceRecord[]>
}
