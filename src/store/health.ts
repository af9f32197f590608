import { faultReason, isStorageFault } from './errors.ts'

/** What is known about the store's ability to write. */
export interface StoreFault {
  reason: string
  /** Epoch ms of the first failure in this fault. */
  since: number
}

/** Delays between probes while the store is faulted: soon at first, then every 5 s at most. */
const PROBE_FIRST_MS = 100
const PROBE_MAX_MS = 5000

/**
 * Whether the store can write. Writers report each failure and success; while a fault lasts,
 * `probe` (a real write, supplied by the adapter) runs with backoff until it succeeds, so the
 * service heals without a restart. Readiness, the runner (retrying kept outcomes) and the
 * scheduler listen for the change.
 */
export class StoreHealth {
  readonly #probe: () => Promise<void>
  readonly #listeners = new Set<(writable: boolean) => void>()
  #fault: StoreFault | null = null
  #timer: NodeJS.Timeout | null = null
  #delay = PROBE_FIRST_MS
  #closed = false

  constructor(probe: () => Promise<void>) {
    this.#probe = probe
  }

  get isWritable(): boolean {
    return this.#fault === null
  }

  get fault(): StoreFault | null {
    return this.#fault
  }

  /** Calls `listener(writable)` on every change; returns the unsubscribe function. */
  onChange(listener: (writable: boolean) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** A write failed; only storage faults count (a constraint violation says nothing of the disk). */
  failed(err: unknown): void {
    if (!isStorageFault(err) || this.#closed) return
    if (this.#fault === null) {
      this.#fault = { reason: faultReason(err), since: Date.now() }
      this.#delay = PROBE_FIRST_MS
      this.#notify(false)
    } else {
      this.#fault.reason = faultReason(err)
    }
    this.#arm()
  }

  /** A write succeeded: the fault, if any, is over. */
  succeeded(): void {
    if (this.#fault === null) return
    this.#fault = null
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    this.#notify(true)
  }

  /** No more probes (the store is closing). */
  close(): void {
    this.#closed = true
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  #arm(): void {
    if (this.#timer !== null || this.#closed) return
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#probe().then(
        () => this.succeeded(),
        (err: unknown) => {
          this.#delay = Math.min(this.#delay * 2, PROBE_MAX_MS)
          // Whatever the probe's error, keep probing: a fault ends only with a write that works.
          if (isStorageFault(err)) this.failed(err)
          else this.#arm()
        },
      )
    }, this.#delay)
    // Probing alone must not keep a stopping process alive.
    this.#timer.unref()
  }

  #notify(writable: boolean): void {
    for (const listener of this.#listeners) listener(writable)
  }
}
