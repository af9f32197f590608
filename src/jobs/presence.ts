import { readFileSync } from 'node:fs'
import type { Logger } from 'pino'
import type { Clock, TimerHandle } from '../clock.ts'
import type { InstanceRecord } from '../store/instance-store.ts'
import type { Store } from '../store/store.ts'
import { bootId } from './processes/proc.ts'

/** The package version an instance reports (the one package.json beside src/ and dist/). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version

export interface PresenceOptions {
  store: Store
  clock: Clock
  logger: Logger
  /** JOBVISOR_INSTANCE_ID. */
  id: string
  /** This process's owner id. */
  owner: string
  /** JOBVISOR_LEASE_MS: an instance not seen for this long is gone. */
  leaseMs: number
  /** Jobs executing here now. */
  running(): number
}

/** Heartbeats per lease: two may be lost before the others count an instance gone. */
const BEATS_PER_LEASE = 3

/**
 * This instance's row in `instances` (SPEC §10): registered at start, renewed every third of the
 * lease, removed at a clean stop; GET /v1/instances lists those seen within the lease.
 */
export class InstancePresence {
  readonly #o: PresenceOptions
  #timer: TimerHandle | null = null
  #startedAt = 0

  constructor(options: PresenceOptions) {
    this.#o = options
  }

  async start(): Promise<void> {
    const now = this.#o.clock.now()
    this.#startedAt = now
    await this.#o.store.instances.register({
      id: this.#o.id,
      owner: this.#o.owner,
      startedAt: now,
      lastSeenAt: now,
      running: this.#o.running(),
      version: VERSION,
      bootId: bootId(),
    })
    this.#arm()
  }

  get startedAt(): number {
    return this.#startedAt
  }

  list(): Promise<InstanceRecord[]> {
    return this.#o.store.instances.list(this.#o.clock.now() - this.#o.leaseMs)
  }

  async stop(): Promise<void> {
    if (this.#timer !== null) this.#o.clock.clearTimeout(this.#timer)
    this.#timer = null
    await this.#o.store.instances.remove(this.#o.id, this.#o.owner).catch((err: unknown) => {
      this.#o.logger.warn({ err }, 'removing this instance from the instance list failed')
    })
  }

  #arm(): void {
    this.#timer = this.#o.clock.setTimeout(
      () => void this.#beat(),
      Math.floor(this.#o.leaseMs / BEATS_PER_LEASE),
    )
  }

  async #beat(): Promise<void> {
    try {
      await this.#o.store.instances.beat(this.#o.id, this.#o.owner, this.#o.clock.now(), this.#o.running())
    } catch (err) {
      this.#o.logger.warn({ err }, 'instance heartbeat failed')
    } finally {
      if (this.#timer !== null) this.#arm()
    }
  }
}
