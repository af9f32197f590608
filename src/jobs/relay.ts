import type { Logger } from 'pino'
import type { JobRecord } from '../model/job.ts'
import type { JobSignal, StoreBus } from '../store/bus.ts'
import type { Store } from '../store/store.ts'
import type { JobEventBus, JobEventName } from './events.ts'

/** What the relay drives on this instance when another instance's job events arrive. */
export interface RelayTarget {
  /** This process's owner id: a cancel of a run it owns must reach the handler here. */
  readonly owner: string
  /** A job became queued elsewhere: claim if there is room. */
  fill(): void
  /** A job became scheduled elsewhere: the delayed-job timer must fire by `runAt`. */
  noteDelayed(runAt: number): void
  /** A run owned here was moved to cancelling elsewhere. */
  applyCancel(job: JobRecord): void
  /** The bus was down: anything may have been missed. */
  resync(): void
}

export interface JobRelayOptions {
  bus: StoreBus
  store: Store
  events: JobEventBus
  target: RelayTarget
  logger: Logger
  /** Whether this instance has a use for the job's record (a wait, an event stream, a schedule). */
  wants(signal: JobSignal): boolean
}

/**
 * SPEC §10 across instances: every local job event goes out on the store's bus as a small
 * signal; every signal from another instance wakes what it concerns here — the claim loop, the
 * delayed-job timer, the handler of a cancelled run — and, when someone here wants it (a wait,
 * an SSE stream, a schedule's settling), is re-emitted on the local event bus with the job as
 * read from the store, marked `remote` (so metrics, which count this instance's work, skip it).
 */
export class JobRelay {
  readonly #o: JobRelayOptions
  #off: (() => void)[] = []

  constructor(options: JobRelayOptions) {
    this.#o = options
  }

  start(): void {
    const { bus, events } = this.#o
    this.#off.push(
      events.on('job', ({ type, job, remote }) => {
        if (!remote) bus.publishJob([type, job.id, job.state, job.runAt, job.scheduleId, job.owner])
      }),
      bus.subscribe((message) => {
        if (message === 'resync') this.#o.target.resync()
        else if (message.jobs.length > 0) void this.#receive(message.jobs)
      }),
    )
  }

  stop(): void {
    for (const off of this.#off.splice(0)) off()
  }

  async #receive(signals: readonly JobSignal[]): Promise<void> {
    const { target } = this.#o
    let fill = false
    const cancels = new Set<string>()
    const wanted: JobSignal[] = []
    for (const signal of signals) {
      const [, id, state, runAt, , owner] = signal
      if (state === 'queued') fill = true
      else if (state === 'scheduled' && runAt !== null) target.noteDelayed(runAt)
      else if (state === 'cancelling' && owner === target.owner) cancels.add(id)
      if (this.#o.wants(signal)) wanted.push(signal)
    }
    if (fill) target.fill()
    if (cancels.size === 0 && wanted.length === 0) return
    let rows: Map<string, JobRecord>
    try {
      const ids = new Set([...cancels, ...wanted.map((s) => s[1])])
      rows = new Map((await this.#o.store.jobs.getMany([...ids])).map((job) => [job.id, job]))
    } catch (err) {
      // The polls that remain (heartbeat for cancels, waits' re-reads) pick these up later.
      this.#o.logger.warn({ err }, 'reading jobs changed by another instance failed')
      return
    }
    for (const id of cancels) {
      const job = rows.get(id)
      if (job) target.applyCancel(job)
    }
    for (const [type, id] of wanted) {
      const job = rows.get(id)
      // A deleted job has no row left to show; its deletion reaches streams on its own instance only.
      if (job) this.#o.events.emit('job', { type: type as JobEventName, job, remote: true })
    }
  }
}
