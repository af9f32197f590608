import type { Logger } from 'pino'
import type { Clock } from '../clock.ts'
import type { JobRecord, NewLogLine } from '../model/job.ts'
import { isStorageFault } from '../store/errors.ts'
import type { Store } from '../store/store.ts'

type Progress = { percent: number; message?: string }

/** Log lines kept while the store refuses writes; beyond, the oldest go (and are counted). */
const MAX_KEPT_LINES = 10_000

/**
 * Coalesces the chatty writes of running handlers — log lines and progress — into one store
 * write per event-loop turn; for progress only the latest value of a turn is written.
 */
export class JobWriteBuffer {
  #lines: NewLogLine[] = []
  #progress = new Map<string, Progress>()
  #scheduled = false

  constructor(
    private readonly store: Store,
    private readonly maxLinesPerJob: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onProgress: (job: JobRecord) => void,
  ) {
    // What a fault kept is written as soon as the store writes again, not at the next log line.
    store.health.onChange((writable) => {
      if (writable && (this.#lines.length > 0 || this.#progress.size > 0)) this.#schedule()
    })
  }

  log(line: NewLogLine): void {
    this.#lines.push(line)
    this.#schedule()
  }

  progress(jobId: string, progress: Progress): void {
    this.#progress.set(jobId, progress)
    this.#schedule()
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(() => void this.flush())
  }

  /** Awaited before an outcome is stored, so a job's log is complete when it is seen finished. */
  async flush(): Promise<void> {
    this.#scheduled = false
    // Called for every finishing job; most have nothing buffered.
    if (this.#lines.length === 0 && this.#progress.size === 0) return
    const lines = this.#lines
    const progress = this.#progress
    this.#lines = []
    this.#progress = new Map()
    // Every write is queued before the first await: they join the caller's commit (see OutcomeWriter#store).
    const now = this.clock.now()
    const writes: Promise<unknown>[] = []
    if (lines.length > 0) {
      writes.push(
        this.store.jobs.appendLogs(lines, this.maxLinesPerJob).catch((err) => this.#keepLines(lines, err)),
      )
    }
    for (const [jobId, p] of progress) {
      writes.push(
        this.store.jobs.setProgress(jobId, p, now).then(
          (job) => {
            if (job) this.onProgress(job)
          },
          (err: unknown) => {
            // Kept unless a newer value came meanwhile; written with the next flush.
            if (!isStorageFault(err)) throw err
            if (!this.#progress.has(jobId)) this.#progress.set(jobId, p)
          },
        ),
      )
    }
    const results = await Promise.allSettled(writes)
    for (const r of results) {
      if (r.status === 'rejected') this.logger.error({ err: r.reason }, 'writing job logs or progress failed')
    }
  }

  /** SPEC §8: lines the store refused are kept (bounded) and written with the next flush, in order. */
  #keepLines(lines: NewLogLine[], err: unknown): void {
    if (!isStorageFault(err)) throw err
    const kept = [...lines, ...this.#lines]
    const dropped = kept.length - MAX_KEPT_LINES
    if (dropped > 0) {
      this.logger.warn({ dropped }, 'job log lines dropped while the store refuses writes')
      kept.splice(0, dropped)
    }
    this.#lines = kept
  }
}
