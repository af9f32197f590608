import { useEffect, useState } from 'preact/hooks'
import type { Schedule } from '../../client/index.ts'
import { api, call } from '../api.ts'
import { Duration, ErrorBanner, StateBadge, Time } from '../components.tsx'
import { onLiveEvent } from '../live.ts'
import { href } from '../router.ts'
import { ScheduleActions, triggerInWords } from './schedule-parts.tsx'

/** An event's schedule view has no activeJobIds (events.ts): keep the ones already known. */
export const mergeSchedule = (old: Schedule | undefined, fresh: Schedule): Schedule => ({
  ...fresh,
  activeJobIds: fresh.activeJobIds ?? old?.activeJobIds ?? [],
})

export function SchedulesPage({ canWrite }: { canWrite: boolean }) {
  const [schedules, setSchedules] = useState<Schedule[] | null>(null)
  const [error, setError] = useState<unknown>(null)
  const load = () =>
    call(api.GET('/v1/schedules', { params: { query: { limit: 500 } } })).then(
      (p) => setSchedules(p.items),
      setError,
    )
  useEffect(() => {
    void load()
    return onLiveEvent((e) => {
      if (e.type === 'reset' || e.type === 'schedule:created') return void load()
      const fresh = e.schedule
      if (!fresh) return
      setSchedules((list) =>
        e.type === 'schedule:deleted'
          ? (list ?? []).filter((s) => s.id !== fresh.id)
          : (list ?? []).map((s) => (s.id === fresh.id ? mergeSchedule(s, fresh) : s)),
      )
    })
  }, [])
  const replace = (fresh: Schedule) =>
    setSchedules((list) => (list ?? []).map((s) => (s.id === fresh.id ? fresh : s)))
  return (
    <>
      <div class="title">
        <h1>Schedules</h1>
        {canWrite && (
          <a class="button primary" href={href('schedules', 'new')}>
            New schedule
          </a>
        )}
      </div>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <div class="table-wrap">
        <table class="schedules">
          <thead>
            <tr>
              <th>Name</th>
              <th>State</th>
              <th>Trigger</th>
              <th>Next run</th>
              <th>Last lateness</th>
              <th>Runs</th>
              <th>Skipped</th>
              {canWrite && <th>Actions</th>}
            </tr>
          </thead>
          <tbody>
            {(schedules ?? []).map((s) => (
              <tr key={s.id} data-schedule={s.name}>
                <td>
                  <a href={href('schedules', s.id)}>{s.name}</a>
                </td>
                <td>
                  <StateBadge state={s.state} />
                </td>
                <td>{triggerInWords(s.trigger)}</td>
                <td>
                  <Time iso={s.nextRunAt} />
                </td>
                <td>
                  <Duration ms={s.lastLatenessMs} />
                </td>
                <td>{s.runCount}</td>
                <td>{s.skippedCount}</td>
                {canWrite && (
                  <td>
                    <ScheduleActions schedule={s} onChange={replace} onError={setError} />
                  </td>
                )}
              </tr>
            ))}
            {schedules?.length === 0 && (
              <tr>
                <td colSpan={8} class="muted">
                  No schedules yet{canWrite ? ': New schedule makes one' : ''} (POST /v1/schedules).
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </>
  )
}
