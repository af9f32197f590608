import type { ScheduleInput } from '../../client/index.ts'
import { Choice, type FieldErrors, FieldMessage, TextField } from '../components.tsx'

export type TriggerKind = ScheduleInput['trigger']['type']
type Mode = 'fixed-rate' | 'fixed-delay'
type Restart = 'always' | 'on-failure'

/** The text of every kind's fields, kept while switching kinds so a look at another loses nothing. */
export interface TriggerDraft {
  kind: TriggerKind
  every: string
  mode: Mode
  expression: string
  timezone: string
  restart: Restart
}

export const emptyTrigger: TriggerDraft = {
  kind: 'interval',
  every: '',
  mode: 'fixed-rate',
  expression: '',
  timezone: 'UTC',
  restart: 'always',
}

/** Only the chosen kind's fields go out: the API's trigger objects are strict. */
export function triggerFrom(d: TriggerDraft): ScheduleInput['trigger'] {
  switch (d.kind) {
    case 'interval':
      return { type: 'interval', every: d.every.trim(), mode: d.mode }
    case 'cron':
      return { type: 'cron', expression: d.expression, timezone: d.timezone.trim() || 'UTC' }
    case 'daemon':
      return { type: 'daemon', restart: d.restart }
  }
}

const KINDS: { kind: TriggerKind; label: string; hint: string }[] = [
  { kind: 'interval', label: 'Interval', hint: 'run periodically' },
  { kind: 'cron', label: 'Cron', hint: 'run at calendar times' },
  { kind: 'daemon', label: 'Daemon', hint: 'keep one run alive in the background' },
]

/** SPEC §6 triggers: the kind as radio buttons, then that kind's own fields. */
export function TriggerFields({
  draft: d,
  onDraft,
  errors,
}: {
  draft: TriggerDraft
  onDraft: (d: TriggerDraft) => void
  errors: FieldErrors
}) {
  const set = (change: Partial<TriggerDraft>) => onDraft({ ...d, ...change })
  const at = 'body.trigger'
  return (
    <fieldset>
      <legend>Trigger</legend>
      <div class="radios" role="radiogroup" aria-label="Trigger kind">
        {KINDS.map(({ kind, label, hint }) => (
          <label key={kind} class="radio">
            <input
              type="radio"
              name="trigger"
              value={kind}
              checked={d.kind === kind}
              onChange={() => set({ kind })}
            />
            {label} <span class="muted">{hint}</span>
          </label>
        ))}
      </div>
      {d.kind === 'interval' && (
        <>
          <TextField
            label="Every"
            hint="a duration: 250ms, 2s, 5m, 1h, 1h30m"
            name="every"
            value={d.every}
            onValue={(every) => set({ every })}
            errors={errors}
            path={`${at}.every`}
            required
          />
          <Choice
            label="Mode"
            hint="fixed-rate: on a grid, no drift; fixed-delay: the pause after each run ends"
            name="mode"
            value={d.mode}
            options={['fixed-rate', 'fixed-delay'] as const}
            onValue={(mode) => set({ mode })}
            errors={errors}
            path={`${at}.mode`}
          />
        </>
      )}
      {d.kind === 'cron' && (
        <>
          <TextField
            label="Expression"
            hint="5 fields, or 6 with seconds first: */5 * * * *"
            name="expression"
            value={d.expression}
            onValue={(expression) => set({ expression })}
            errors={errors}
            path={`${at}.expression`}
            required
          />
          <TextField
            label="Time zone"
            hint="IANA name: UTC, Europe/Berlin"
            name="timezone"
            value={d.timezone}
            onValue={(timezone) => set({ timezone })}
            errors={errors}
            path={`${at}.timezone`}
          />
        </>
      )}
      {d.kind === 'daemon' && (
        <Choice
          label="Restart"
          hint="always, or only after a failed run; with backoff from 1 s to 1 min"
          name="restart"
          value={d.restart}
          options={['always', 'on-failure'] as const}
          onValue={(restart) => set({ restart })}
          errors={errors}
          path={`${at}.restart`}
        />
      )}
      {/* Backoff is not a field here: a floor refusal names it, and it must still be seen. */}
      <FieldMessage errors={errors} path={at} />
      <FieldMessage errors={errors} path={`${at}.backoff.maxMs`} />
    </fieldset>
  )
}
