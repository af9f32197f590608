import type { Clock, TimerHandle } from '../clock.ts'
import type { JobRecord } from '../model/job.ts'
import type { ReturnWhen } from '../model/job-input.ts'
import { isTerminal } from '../model/job-state.ts'
import type { Store } from '../store/store.ts'
import { JobNotFoundError, JobStateConflictError } from './errors.ts'
import type { JobEventBus } from './events.ts'

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
  waiters: JobWaiters
  clock: Clock
  /** Re-read the store this often, for jobs finished by another instance; null with an exclusive store. */
  pollMs: number | null
  cancel(id: string): Promise<unknown>
}

/** Unknown ids named in a 404's detail; a wait may name 1,000, and the detail stays one readable line. */
const MAX_IDS_SHOWN = 10

function notFound(missing: readonly string[]): JobNotFoundError {
  const [first = ''] = missing
  if (missing.length === 1) return new JobNotFoundError(first)
  const shown = missing.slice(0, MAX_IDS_SHOWN).join(', ')
  const more = missing.length > MAX_IDS_SHOWN ? ` and ${missing.length - MAX_IDS_SHOWN} more` : ''
  return new JobNotFoundError(first, `${missing.length} jobs do not exist: ${shown}${more}`)
}

const isFailure = (job: JobRecord) => job.state === 'failed' || job.state === 'timed_out'

/**
 * One subscription to the job events for every open wait, indexed by job id: an event reaches
 * only the waits on its job. (Each wait subscribing on its own made every event call every wait:
 * 1,000 waits × 1,000 finishing jobs = 10⁶ calls, bench P8.)
 */
export class JobWaiters {
  readonly #byJob = new Map<string, Set<(job: JobRecord) => void>>()

  constructor(events: JobEventBus) {
    events.on('job', ({ job }) => {
      const listeners = this.#byJob.get(job.id)
      if (listeners) for (const listener of listeners) listener(job)
    })
  }

  /** Calls `listener` with every stored change of these jobs until the returned function is called. */
  watch(ids: readonly string[], listener: (job: JobRecord) => void): () => void {
    for (const id of ids) {
      const set = this.#byJob.get(id)
      if (set) set.add(listener)
      else this.#byJob.set(id, new Set([listener]))
    }
    return () => {
      for (const id of ids) {
        const set = this.#byJob.get(id)
        set?.delete(listener)
        if (set?.size === 0) this.#byJob.delete(id)
      }
    }
  }

  /** Whether an open wait is watching job `id`. */
  isWatching(id: string): boolean {
    return this.#byJob.has(id)
  }

  /** Open subscriptions, by job (for tests: a finished wait leaves nothing behind). */
  get size(): number {
    return this.#byJob.size
  }
}

/** Of two snapshots of one job, the later one: terminal wins, then the later update. */
const newer = (a: JobRecord, b: JobRecord): JobRecord => {
  if (isTerminal(a.state) !== isTerminal(b.state)) return isTerminal(a.state) ? a : b
  return a.updatedAt >= b.updatedAt ? a : b
}

/**
 * The latest known record of each waited-for job, with running counts of the done and failed
 * ones, so that each event checks SPEC §3's condition (asyncio.wait's three) in O(1).
 */
class WaitSet {
  readonly #ids: readonly string[]
  readonly #latest = new Map<string, JobRecord>()
  #done = 0
  #failed = 0

  constructor(ids: readonly string[]) {
    this.#ids = ids
  }

  absorb(job: JobRecord): void {
    const seen = this.#latest.get(job.id)
    this.replace(seen ? newer(seen, job) : job)
  }

  /** Takes `job` as the latest record whatever came before (after a cancel by this wait). */
  replace(job: JobRecord): void {
    const seen = this.#latest.get(job.id)
    if (seen) this.#count(seen, -1)
    this.#latest.set(job.id, job)
    this.#count(job, 1)
  }

  #count(job: JobRecord, by: 1 | -1): void {
    if (!isTerminal(job.state)) return
    this.#done += by
    if (isFailure(job)) this.#failed += by
  }

  missing(): string[] {
    return this.#ids.filter((id) => !this.#latest.has(id))
  }

  holds(returnWhen: ReturnWhen): boolean {
    if (this.#done === this.#ids.length) return true
    if (returnWhen === 'first_completed') return this.#done > 0
    if (returnWhen === 'first_failure') return this.#failed > 0
    return false
  }

  /** In the order the client asked for. */
  records(): JobRecord[] {
    return this.#ids.map((id) => this.#latest.get(id)).filter((j): j is JobRecord => j !== undefined)
  }
}

export async function waitForJobs(
  ids: readonly string[],
  options: WaitOptions,
  deps: WaitDeps,
): Promise<WaitResult> {
  const set = new WaitSet(ids)
  let wake: (() => void) | null = null
  // Subscribe before reading, so a change between the read and the subscription is not missed.
  const off = deps.waiters.watch(ids, (job) => {
    set.absorb(job)
    if (wake && set.holds(options.returnWhen)) wake()
  })
  try {
    for (const job of await deps.store.jobs.getMany(ids)) set.absorb(job)
    const missing = set.missing()
    if (missing.length > 0) throw notFound(missing)
    if (!set.holds(options.returnWhen) && options.timeoutMs > 0 && !options.signal?.aborted) {
      await sleepUntilWoken(
        options,
        deps,
        (fn) => {
          wake = fn
        },
        async () => {
          for (const job of await deps.store.jobs.getMany(ids)) set.absorb(job)
          return set.holds(options.returnWhen)
        },
      )
    }
  } finally {
    off()
  }
  // Jobs pending when the wait ended stay in `pending`, with their new state once cancelled (SPEC §3).
  const pendingIds = set
    .records()
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
    for (const job of await deps.store.jobs.getMany(pendingIds)) set.replace(job)
  }
  const pending = new Set(pendingIds)
  const all = set.records()
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
