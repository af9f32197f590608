import type { Schedule } from '../../client/index.ts'
import { api, call } from '../api.ts'
import { ActionButton } from '../components.tsx'
import { duration } from '../time.ts'

/** The trigger in words: "every 2 s", "cron “0 9 * * 1” in Europe/Berlin", "kept running (…)". */
export function triggerInWords(trigger: Schedule['trigger']): string {
  switch (trigger.type) {
    case 'interval':
      return `every ${duration(trigger.everyMs)}${trigger.mode === 'fixed-delay' ? ' after each run ends' : ''}`
    case 'cron':
      return `cron “${trigger.expression}” in ${trigger.timezone}`
    case 'daemon':
      return `kept running (restart ${trigger.restart}, backoff ${duration(trigger.backoff.initialMs)}…${duration(trigger.backoff.maxMs)})`
  }
}

/** Pause, Resume, Run now, Stop (graceful or immediate): what the schedule's state allows. */
export function ScheduleActions({
  schedule: s,
  onChange,
  onError,
}: {
  schedule: Schedule
  onChange: (s: Schedule) => void
  onError: (err: unknown) => void
}) {
  const path = { params: { path: { id: s.id } } }
  const final = s.state === 'stopping' || s.state === 'stopped'
  return (
    <span class="actions">
      {s.state === 'active' && (
        <ActionButton
          label="Pause"
          onError={onError}
          action={async () => onChange(await call(api.POST('/v1/schedules/{id}/pause', path)))}
        />
      )}
      {s.state === 'paused' && (
        <ActionButton
          label="Resume"
          onError={onError}
          action={async () => onChange(await call(api.POST('/v1/schedules/{id}/resume', path)))}
        />
      )}
      {!final && (
        <ActionButton
          label="Run now"
          onError={onError}
          action={() => call(api.POST('/v1/schedules/{id}/trigger', path))}
        />
      )}
      {!final && (
        <ActionButton
          label="Stop"
          title="Graceful: runs get stopSignal and finish"
          onError={onError}
          action={async () =>
            onChange(await call(api.POST('/v1/schedules/{id}/stop', { ...path, body: { mode: 'graceful' } })))
          }
        />
      )}
      {s.state !== 'stopped' && (
        <ActionButton
          label="Stop now"
          kind="danger"
          title="Immediate: runs are cancelled"
          onError={onError}
          action={async () =>
            onChange(
              await call(api.POST('/v1/schedules/{id}/stop', { ...path, body: { mode: 'immediate' } })),
            )
          }
        />
      )}
    </span>
  )
}
