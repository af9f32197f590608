import { useEffect, useState } from 'preact/hooks'
import type { Job, Schedule, Tick } from '../../client/index.ts'
import { api, call } from '../api.ts'
import { Duration, ErrorBanner, Field, Json, StateBadge, Time } from '../components.tsx'
import { onLiveEvent } from '../live.ts'
import { href } from '../router.ts'
import { ScheduleActions, triggerInWords } from './schedule-parts.tsx'
import { mergeSchedule } from './schedules.tsx'

const TICKS_PAGE = 50

export function SchedulePage({ id, canWrite }: { id: string; canWrite: boolean }) {
  const [schedule, setSchedule] = useState<Schedule | null>(null)
  const [runs, setRuns] = useState<Job[]>([])
  const [ticks, setTicks] = useState<Tick[]>([])
  const [nextTicks, setNextTicks] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const loadRuns = () =>
    call(api.GET('/v1/jobs', { params: { query: { scheduleId: id, limit: 20 } } })).then(
      (p) => setRuns(p.items),
      setError,
    )
  const loadTicks = async (cursor?: string) => {
    const page = await call(
      api.GET('/v1/schedules/{id}/ticks', {
        params: { path: { id }, query: { limit: TICKS_PAGE, ...(cursor ? { cursor } : {}) } },
      }),
    )
    setTicks((t) => (cursor ? [...t, ...page.items] : page.items))
    setNextTicks(page.nextCursor)
  }
  useEffect(() => {
    void call(api.GET('/v1/schedules/{id}', { params: { path: { id } } })).then(setSchedule, setError)
    void loadRuns()
    loadTicks().catch(setError)
    return onLiveEvent((e) => {
      if (e.schedule?.id === id) setSchedule((old) => mergeSchedule(old ?? undefined, e.schedule as Schedule))
      if (e.type === 'schedule:tick' && e.schedule?.id === id && e.tick)
        setTicks((t) => [e.tick as Tick, ...t])
      if (e.job?.scheduleId === id) {
        const job = e.job
        setRuns((list) =>
          list.some((j) => j.id === job.id)
            ? list.map((j) => (j.id === job.id ? job : j))
            : [job, ...list].slice(0, 20),
        )
      }
    })
  }, [id])
  if (!schedule) return error ? <ErrorBanner error={error} /> : <p class="loading">Loading…</p>
  return (
    <>
      <p class="crumbs">
        <a href={href('schedules')}>Schedules</a> / {schedule.name}
      </p>
      <div class="title">
        <h1>
          {schedule.name} <StateBadge state={schedule.state} />
        </h1>
        {canWrite && <ScheduleActions schedule={schedule} onChange={setSchedule} onError={setError} />}
      </div>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <dl class="grid">
        <Field label="Trigger">{triggerInWords(schedule.trigger)}</Field>
        <Field label="Next run">
          <Time iso={schedule.nextRunAt} />
        </Field>
        <Field label="Last run">
          <Time iso={schedule.lastRunAt} />
        </Field>
        <Field label="Last lateness">
          <Duration ms={schedule.lastLatenessMs} />
        </Field>
        <Field label="Runs">
          {schedule.runCount}
          {schedule.maxRuns ? ` of ${schedule.maxRuns}` : ''}
        </Field>
        <Field label="Skipped">{schedule.skippedCount}</Field>
        <Field label="Overlap">{schedule.overlap}</Field>
        <Field label="Catch-up">{schedule.catchUp}</Field>
        <Field label="Queued tick">
          <Time iso={schedule.queuedRunAt} />
        </Field>
        <Field label="Created">
          <Time iso={schedule.createdAt} />
        </Field>
      </dl>
      <h2>Tick history</h2>
      <div class="table-wrap">
        <table class="ticks">
          <thead>
            <tr>
              <th>Due</th>
              <th>Outcome</th>
              <th>Reason</th>
              <th>Run</th>
            </tr>
          </thead>
          <tbody>
            {ticks.map((t, i) => (
              <tr key={`${t.recordedAt}-${i}`} data-outcome={t.outcome}>
                <td>
                  <Time iso={t.dueAt} />
                </td>
                <td>
                  <span class={`badge tick-${t.outcome}`}>{t.outcome}</span>
                </td>
                <td class="reason">{t.reason ?? <span class="muted">—</span>}</td>
                <td>
                  {t.jobId ? (
                    <a href={href('jobs', t.jobId)} class="mono">
                      {t.jobId}
                    </a>
                  ) : (
                    <span class="muted">—</span>
                  )}
                </td>
              </tr>
            ))}
            {ticks.length === 0 && (
              <tr>
                <td colSpan={4} class="muted">
                  No ticks recorded yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {nextTicks && (
        <button type="button" onClick={() => loadTicks(nextTicks).catch(setError)}>
          Older ticks
        </button>
      )}
      <h2>Job template</h2>
      <Json value={schedule.job} />
      <h2>Runs</h2>
      <div class="table-wrap">
        <table class="runs">
          <thead>
            <tr>
              <th>Job</th>
              <th>State</th>
              <th>Created</th>
              <th>Finished</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((job) => (
              <tr key={job.id} data-job={job.id}>
                <td>
                  <a href={href('jobs', job.id)} class="mono">
                    {job.id}
                  </a>
                </td>
                <td>
                  <StateBadge state={job.state} />
                </td>
                <td>
                  <Time iso={job.createdAt} />
                </td>
                <td>
                  <Time iso={job.finishedAt} />
                </td>
              </tr>
            ))}
            {runs.length === 0 && (
              <tr>
                <td colSpan={4} class="muted">
                  No runs yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </>
  )
}
