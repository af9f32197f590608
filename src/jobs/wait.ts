import type { Clock, TimerHandle } from '../clock.ts'
import type { JobRecord, Store } from '../store/store.ts'
import { JobNotFoundError, JobStateConflictError } from './errors.ts'
import type { JobEventBus } from './events.ts'
import type { ReturnWhen } from './input.ts'
import { isTerminal } from './state.ts'

export interface WaitResult {
  done: JobRecord[]
  pending: JobRecord[]
}

export interface WaitOptions {
  timeoutMs: number
  returnWhen: ReturnWhen
  cancelPending: boolean
  /** The HTTP request's signal: a client that goes away releases the wait at once. */
  signal?: AbortSignal
}

export interface WaitDeps {
  store: Store
  events: JobEventBus
  clock: Clock
  /** Re-read the store this often, for jobs finished by another instance; null with an exclusive store. */
  pollMs: number | null
  cancel(id: string): Promise<unknown>
}

const isFailure = (job: JobRecord) => job.state === 'failed' || job.state === 'timed_out'

/** SPEC §3 Wait: asyncio.wait's three conditions over job records. */
export function conditionHolds(jobs: readonly JobRecord[], returnWhen: ReturnWhen): boolean {
  const done = jobs.filter((j) => isTerminal(j.state))
  if (done.length === jobs.length) return true
  if (returnWhen === 'first_completed') return done.length > 0
  if (returnWhen === 'first_failure') return done.some(isFailure)
  return false
}

/** Of two snapshots of one job, the later one: terminal wins, then the later update. */
const newer = (a: JobRecord, b: JobRecord): JobRecord => {
  if (isTerminal(a.state) !== isTerminal(b.state)) return isTerminal(a.state) ? a : b
  return a.updatedAt >= b.updatedAt ? a : b
}

export async function waitForJobs(
  ids: readonly string[],
  options: WaitOptions,
  deps: WaitDeps,
): Promise<WaitResult> {
  const latest = new Map<string, JobRecord>()
  const wanted = new Set(ids)
  let wake: (() => void) | null = null
  const snapshot = () => ids.map((id) => latest.get(id)).filter((j): j is JobRecord => j !== undefined)
  const absorb = (job: JobRecord) => {
    const seen = latest.get(job.id)
    latest.set(job.id, seen ? newer(seen, job) : job)
  }
  // Subscribe before reading, so a change between the read and the subscription is not missed.
  const off = deps.events.on('job', ({ job }) => {
    if (!wanted.has(job.id)) return
    absorb(job)
    if (wake && conditionHolds(snapshot(), options.returnWhen)) wake()
  })
  try {
    for (const job of await deps.store.jobs.getMany(ids)) absorb(job)
    const missing = ids.filter((id) => !latest.has(id))
    if (missing.length > 0) throw new JobNotFoundError(missing.join(', '))
    if (
      !conditionHolds(snapshot(), options.returnWhen) &&
      options.timeoutMs > 0 &&
      !options.signal?.aborted
    ) {
      await sleepUntilWoken(
        options,
        deps,
        (fn) => {
          wake = fn
        },
        async () => {
          for (const job of await deps.store.jobs.getMany(ids)) absorb(job)
          return conditionHolds(snapshot(), options.returnWhen)
        },
      )
    }
  } finally {
    off()
  }
  // Jobs pending when the wait ended stay in `pending`, with their new state once cancelled (SPEC §3).
  const pendingIds = snapshot()
    .filter((j) => !isTerminal(j.state))
    .map((j) => j.id)
  if (options.cancelPending && pendingIds.length > 0 && !options.signal?.aborted) {
    await Promise.all(
      pendingIds.map((id) =>
        deps.cancel(id).catch((err: unknown) => {
          if (!(err instanceof JobStateConflictError)) throw err
        }),
      ),
    )
    for (const job of await deps.store.jobs.getMany(pendingIds)) latest.set(job.id, job)
  }
  const pending = new Set(pendingIds)
  const all = snapshot()
  return { done: all.filter((j) => !pending.has(j.id)), pending: all.filter((j) => pending.has(j.id)) }
}

/** Resolves on wake-up, timeout or client disconnect; every timer and listener is removed after. */
function sleepUntilWoken(
  options: WaitOptions,
  deps: WaitDeps,
  setWake: (fn: () => void) => void,
  recheck: () => Promise<boolean>,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const timers: TimerHandle[] = []
    let poll: TimerHandle | null = null
    let finished = false
    const finish = () => {
      if (finished) return
      finished = true
      for (const t of timers) deps.clock.clearTimeout(t)
      if (poll !== null) deps.clock.clearTimeout(poll)
      options.signal?.removeEventListener('abort', finish)
      resolve()
    }
    setWake(finish)
    timers.push(deps.clock.setTimeout(finish, options.timeoutMs))
    options.signal?.addEventListener('abort', finish, { once: true })
    const pollMs = deps.pollMs
    if (pollMs !== null) {
      const tick = () => {
        void recheck().then((holds) => {
          if (holds) finish()
          else if (!finished) poll = deps.clock.setTimeout(tick, pollMs)
        })
      }
      poll = deps.clock.setTimeout(tick, pollMs)
    }
  })
}
