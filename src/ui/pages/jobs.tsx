import { useEffect, useRef, useState } from 'preact/hooks'
import type { Job, JobState, JobType } from '../../client/index.ts'
import { api, call } from '../api.ts'
import { ErrorBanner, Progress, StateBadge, Time } from '../components.tsx'
import { onLiveEvent } from '../live.ts'
import { href } from '../router.ts'
import { Counts, JOB_STATES, newer, TERMINAL } from './job-counts.tsx'

const PAGE_SIZE = 25
/** How often a page showing active jobs is re-read besides its events (a safety net). */
const PAGE_POLL_MS = 5000

interface Filters {
  state: JobState | ''
  type: string
  label: string
}

const matches = (job: Job, f: Filters) => {
  if (f.state && job.state !== f.state) return false
  if (f.type && job.type !== f.type) return false
  if (f.label) {
    const at = f.label.indexOf(':')
    if (job.labels[f.label.slice(0, at)] !== f.label.slice(at + 1)) return false
  }
  return true
}

export function JobsPage({ canWrite }: { canWrite: boolean }) {
  const [filters, setFilters] = useState<Filters>({ state: '', type: '', label: '' })
  const [types, setTypes] = useState<JobType[]>([])
  const [jobs, setJobs] = useState<Job[]>([])
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined])
  const [next, setNext] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [loading, setLoading] = useState(true)
  // The first page has been shown once: the counts (a walk of the whole history) may start.
  const [loaded, setLoaded] = useState(false)
  const view = useRef({ filters, firstPage: true })
  view.current = { filters, firstPage: cursors.length === 1 }

  const load = async (cursor: string | undefined) => {
    setLoading(true)
    try {
      const query = {
        limit: PAGE_SIZE,
        ...(filters.state ? { state: [filters.state] } : {}),
        ...(filters.type ? { type: filters.type } : {}),
        ...(filters.label ? { label: filters.label } : {}),
        ...(cursor ? { cursor } : {}),
      }
      const page = await call(api.GET('/v1/jobs', { params: { query } }))
      // A reply and an event may cross: a row keeps whichever copy was updated last.
      setJobs((old) => {
        const shown = new Map(old.map((j) => [j.id, j]))
        return page.items.map((fresh) => {
          const kept = shown.get(fresh.id)
          return kept ? newer(kept, fresh) : fresh
        })
      })
      setNext(page.nextCursor)
      setLoaded(true)
      setError(null)
    } catch (err) {
      setError(err)
    } finally {
      setLoading(false)
    }
  }
  useEffect(() => {
    void call(api.GET('/v1/job-types')).then((t) => setTypes(t.items), setError)
  }, [])
  useEffect(() => {
    setCursors([undefined])
    void load(undefined)
  }, [filters.state, filters.type, filters.label])

  // Live: changes in place; new jobs at the top of the first page when they match the filters.
  useEffect(
    () =>
      onLiveEvent((e) => {
        if (e.type === 'reset') return void load(cursors.at(-1))
        const job = e.job
        if (!job) return
        setJobs((list) => {
          const at = list.findIndex((j) => j.id === job.id)
          if (e.type === 'job:deleted') return list.filter((j) => j.id !== job.id)
          if (at >= 0) return list.map((j) => (j.id === job.id ? newer(j, job) : j))
          const { filters: f, firstPage } = view.current
          return e.type === 'job:created' && firstPage && matches(job, f)
            ? [job, ...list].slice(0, PAGE_SIZE)
            : list
        })
      }),
    [cursors],
  )

  // The stream is the fast path; a client too slow for a flood of progress events is dropped and
  // catches up on reconnect. Until then, a page with active jobs is re-read so it stays true.
  const active = jobs.some((j) => !TERMINAL.has(j.state))
  useEffect(() => {
    if (!active) return
    const timer = setInterval(() => void load(cursors.at(-1)), PAGE_POLL_MS)
    return () => clearInterval(timer)
  }, [active, cursors, filters.state, filters.type, filters.label])

  const set = (change: Partial<Filters>) => setFilters((f) => ({ ...f, ...change }))
  return (
    <>
      <div class="title">
        <h1>Jobs</h1>
        {canWrite && (
          <a class="button primary" href={href('jobs', 'new')}>
            New job
          </a>
        )}
      </div>
      <Counts onPick={(state) => set({ state })} ready={loaded} />
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label>
          State
          <select
            value={filters.state}
            onChange={(e) => set({ state: e.currentTarget.value as JobState | '' })}
          >
            <option value="">any</option>
            {JOB_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Type
          <select value={filters.type} onChange={(e) => set({ type: e.currentTarget.value })}>
            <option value="">any</option>
            {types.map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Label
          <input
            placeholder="key:value"
            value={filters.label}
            onChange={(e) =>
              set({ label: /^[^:]+:.*$/.test(e.currentTarget.value) ? e.currentTarget.value : '' })
            }
          />
        </label>
      </form>
      <ErrorBanner error={error} />
      <div class="table-wrap">
        <table class="jobs" aria-busy={loading}>
          <thead>
            <tr>
              <th>Job</th>
              <th>Type</th>
              <th>State</th>
              <th>Progress</th>
              <th>Created</th>
              <th>Labels</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => (
              <tr key={job.id} data-job={job.id}>
                <td>
                  <a href={href('jobs', job.id)} class="mono">
                    {job.id}
                  </a>
                </td>
                <td>{job.type}</td>
                <td>
                  <StateBadge state={job.state} />
                </td>
                <td>
                  <Progress progress={job.progress} />
                </td>
                <td>
                  <Time iso={job.createdAt} />
                </td>
                <td class="labels">
                  {Object.entries(job.labels).map(([k, v]) => (
                    <span key={k} class="label">
                      {k}:{v}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
            {!loading && jobs.length === 0 && (
              <tr>
                <td colSpan={6} class="muted">
                  No jobs match.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages of jobs">
        <button
          type="button"
          disabled={cursors.length === 1}
          onClick={() => {
            const back = cursors.slice(0, -1)
            setCursors(back)
            void load(back.at(-1))
          }}
        >
          ← Newer
        </button>
        <button
          type="button"
          disabled={next === null}
          onClick={() => {
            if (next === null) return
            setCursors([...cursors, next])
            void load(next)
          }}
        >
          Older →
        </button>
      </nav>
    </>
  )
}
