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
    const lines = this.#lines
    const progress = this.#progress
    this.#lines = []
    this.#progress = new Map()
    try {
      if (lines.length > 0) await this.store.jobs.appendLogs(lines, this.maxLinesPerJob)
      const now = this.clock.now()
      for (const [jobId, p] of progress) {
        const job = await this.store.jobs.setProgress(jobId, p, now)
        if (job) this.onProgress(job)
      }
    } catch (err) {
      this.logger.error({ err }, 'writing job logs or progress failed')
    }
  }
}
