import { useEffect, useState } from 'preact/hooks'
import type { JobState } from '../../client/index.ts'
import { api, call } from '../api.ts'
import { ErrorBanner } from '../components.tsx'
import { onLiveEvent } from '../live.ts'

/** Every state, in lifecycle order; a Record so the compiler notices a state the API adds. */
const STATE_ORDER: Record<JobState, number> = {
  scheduled: 0,
  queued: 1,
  running: 2,
  cancelling: 3,
  succeeded: 4,
  failed: 5,
  timed_out: 6,
  cancelled: 7,
}
export const JOB_STATES = (Object.keys(STATE_ORDER) as JobState[]).sort(
  (a, b) => STATE_ORDER[a] - STATE_ORDER[b],
)
/** States a job never leaves: a page showing only these has nothing left to follow. */
export const TERMINAL = new Set<JobState>(['succeeded', 'failed', 'timed_out', 'cancelled'])

/**
 * Of two copies of one job, the one to show: a terminal state is final, so it wins over any copy
 * still active; otherwise the copy updated last (a reply and an event may cross on the way).
 */
export function newer<T extends { state: JobState; updatedAt: string }>(a: T, b: T): T {
  const aDone = TERMINAL.has(a.state)
  if (aDone !== TERMINAL.has(b.state)) return aDone ? a : b
  return a.updatedAt > b.updatedAt ? a : b
}
/**
 * Re-reading the counts while events arrive waits this many times as long as the last count took,
 * and at least MIN_REFRESH_MS: on PostgreSQL counting walks the whole history, so a big store is
 * counted rarely and a small one at once.
 */
const REFRESH_FACTOR = 10
/**
 * Longer than the server's COUNTS_MAX_AGE_MS (2 s, routes/job-counts.ts): a count cached before
 * the last event has expired by the time the refresh asks, so the final counts are never stale.
 */
const MIN_REFRESH_MS = 2500

/** Counts per state; read once the list is on screen (`ready`), then again as events come. */
export function Counts({ onPick, ready }: { onPick: (state: JobState) => void; ready: boolean }) {
  const [counts, setCounts] = useState<Record<string, number> | null>(null)
  const [error, setError] = useState<unknown>(null)
  useEffect(() => {
    if (!ready) return
    let timer: ReturnType<typeof setTimeout> | undefined
    let lastMs = 0
    const load = () => {
      const started = performance.now()
      return call(api.GET('/v1/jobs/counts')).then((c) => {
        lastMs = performance.now() - started
        setCounts(c.counts)
        setError(null)
      }, setError)
    }
    void load()
    const stop = onLiveEvent((e) => {
      if (!e.job || timer) return
      timer = setTimeout(
        () => {
          timer = undefined
          void load()
        },
        Math.max(MIN_REFRESH_MS, REFRESH_FACTOR * lastMs),
      )
    })
    return () => {
      stop()
      clearTimeout(timer)
    }
  }, [ready])
  return (
    <section class="counts" aria-label="Jobs per state">
      <ErrorBanner error={error} />
      {JOB_STATES.map((state) => (
        <button type="button" class={`count state-${state}`} key={state} onClick={() => onPick(state)}>
          <span class="n" data-state={state}>
            {counts ? (counts[state] ?? 0) : '…'}
          </span>
          <span>{state}</span>
        </button>
      ))}
    </section>
  )
}
