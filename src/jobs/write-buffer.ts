import type { Logger } from 'pino'
import type { Clock } from '../clock.ts'
import type { JobRecord, NewLogLine, Store } from '../store/store.ts'

type Progress = { percent: number; message?: string }

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
  ) {}

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
    // Every write is queued before the first await: they join the caller's commit (see Runner#finish).
    const now = this.clock.now()
    const writes: Promise<unknown>[] = []
    if (lines.length > 0) writes.push(this.store.jobs.appendLogs(lines, this.maxLinesPerJob))
    for (const [jobId, p] of progress) {
      writes.push(
        this.store.jobs.setProgress(jobId, p, now).then((job) => {
          if (job) this.onProgress(job)
        }),
      )
    }
    const results = await Promise.allSettled(writes)
    for (const r of results) {
      if (r.status === 'rejected') this.logger.error({ err: r.reason }, 'writing job logs or progress failed')
    }
  }
}
