import type { Clock } from '../clock.ts'
import { type JobRecord, jobWith } from '../model/job.ts'
import type { CancelInput } from '../model/job-input.ts'
import { isTerminal } from '../model/job-state.ts'
import type { Store } from '../store/store.ts'
import { JobStateConflictError, UnavailableError } from './errors.ts'
import type { JobEventName } from './events.ts'

export interface CancelDeps {
  store: Store
  clock: Clock
  /** The default grace (JOBVISOR_GRACE_MS) when the request names none. */
  graceMs: number
  /** The job as stored; throws JobNotFoundError. */
  get(id: string): Promise<JobRecord>
  runner: { applyCancel(job: JobRecord): void; isRunningHere(id: string): boolean }
  emit(type: JobEventName, job: JobRecord): void
}

/**
 * SPEC §3 Cancel, and the owner of its fast path (the early cancel). `accepted: false` → it was
 * waiting and is now `cancelled` (200); `accepted: true` → it is executing and now `cancelling`
 * (202), and its handler has been told. Readers always see running → cancelling → cancelled.
 */
export async function cancelJob(
  id: string,
  input: CancelInput,
  d: CancelDeps,
): Promise<{ job: JobRecord; accepted: boolean }> {
  // Loop because each compare-and-set can lose to a concurrent change (e.g. a claim).
  for (let round = 0; round < 10; round++) {
    const job = await d.get(id)
    const now = d.clock.now()
    const cancel = {
      mode: input.mode,
      reason: input.reason ?? null,
      requestedAt: now,
      forced: false,
      graceMs: input.graceMs ?? d.graceMs,
    }
    if (isTerminal(job.state)) throw new JobStateConflictError(`job ${id} is already ${job.state}`, job)
    if (job.state === 'scheduled' || job.state === 'queued') {
      const done = await d.store.jobs.transition(id, ['scheduled', 'queued'], {
        state: 'cancelled',
        cancel,
        finishedAt: now,
        updatedAt: now,
      })
      if (!done) continue
      d.emit('job:finished', done)
      return { job: done, accepted: false }
    }
    if (job.state === 'cancelling') {
      // A repeat is accepted as is, except that immediate escalates a graceful request.
      if (input.mode === 'graceful' || job.cancel?.mode === 'immediate') return { job, accepted: true }
      const escalated = await d.store.jobs.transition(id, ['cancelling'], { cancel, updatedAt: now })
      if (!escalated) continue
      d.runner.applyCancel(escalated)
      d.emit('job:cancelling', escalated)
      return { job: escalated, accepted: true }
    }
    const write = d.store.jobs.transition(id, ['running'], {
      state: 'cancelling',
      cancel,
      updatedAt: now,
    })
    // A handler running here hears it now, while `cancelling` is being written: its outcome is
    // written after that (one write queue), so readers still see running → cancelling → cancelled,
    // one event-loop turn sooner (bench P3). A store shared with others waits for the write.
    // Not while the store refuses writes: the cancel would then reach the handler though the
    // client is told 503 (not cancelled).
    const early = d.store.exclusive && d.store.health.isWritable && d.runner.isRunningHere(id)
    if (early) d.runner.applyCancel(jobWith(job, { state: 'cancelling', cancel }))
    const cancelling = await write
    if (!cancelling) continue
    if (!early) d.runner.applyCancel(cancelling)
    d.emit('job:cancelling', cancelling)
    return { job: cancelling, accepted: true }
  }
  throw new UnavailableError(`job ${id} kept changing state; try again`, 1)
}
