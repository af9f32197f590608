import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import type { Job } from '../client/index.ts'
import { duration, fromNow, localTime } from './time.ts'

/** An error from the API or the network, in words; never swallowed (SPEC §12). */
export function ErrorBanner({ error, onClose }: { error: unknown; onClose?: () => void }) {
  if (error === null || error === undefined) return null
  const text = error instanceof Error ? error.message : String(error)
  return (
    <div class="error" role="alert">
      <span>{text}</span>
      {onClose && (
        <button type="button" class="link" onClick={onClose} aria-label="Dismiss">
          ×
        </button>
      )}
    </div>
  )
}

/** Re-renders every few seconds, so relative times stay true. */
function useTick(ms = 5000): void {
  const [, setTick] = useState(0)
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), ms)
    return () => clearInterval(timer)
  }, [ms])
}

/** A timestamp in local time with the relative time beside it; the ISO instant on hover. */
export function Time({ iso }: { iso: string | null | undefined }) {
  useTick()
  if (!iso) return <span class="muted">—</span>
  return (
    <time dateTime={iso} title={iso}>
      {localTime(iso)} <span class="muted">({fromNow(iso)})</span>
    </time>
  )
}

export const Duration = ({ ms }: { ms: number | null | undefined }) =>
  ms === null || ms === undefined ? <span class="muted">—</span> : <span>{duration(ms)}</span>

export const StateBadge = ({ state }: { state: string }) => (
  <span class={`badge state-${state}`}>{state}</span>
)

export function Progress({ progress }: { progress: Job['progress'] }) {
  if (!progress) return <span class="muted">—</span>
  const percent = Math.max(0, Math.min(100, progress.percent))
  return (
    <span class="progress" title={progress.message ?? ''}>
      <progress max={100} value={percent} aria-label={`${Math.round(percent)} %`} />
      <span class="muted">{Math.round(percent)}%</span>
    </span>
  )
}

export const Json = ({ value }: { value: unknown }) =>
  value === null || value === undefined ? (
    <span class="muted">—</span>
  ) : (
    <pre class="json">{JSON.stringify(value, null, 2)}</pre>
  )

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  )
}

/** A button that runs `action`, shows it is busy, and reports what went wrong. */
export function ActionButton({
  label,
  action,
  onError,
  kind = '',
  title,
}: {
  label: string
  action: () => Promise<unknown>
  onError: (err: unknown) => void
  kind?: string
  title?: string
}) {
  const [busy, setBusy] = useState(false)
  return (
    <button
      type="button"
      class={kind}
      disabled={busy}
      title={title}
      onClick={async () => {
        setBusy(true)
        try {
          await action()
          onError(null)
        } catch (err) {
          onError(err)
        } finally {
          setBusy(false)
        }
      }}
    >
      {label}
    </button>
  )
}

/** Messages by request path (`body.trigger.every`): the API's errors[], shown beside their fields. */
export type FieldErrors = Record<string, string>

export const FieldMessage = ({ errors, path }: { errors: FieldErrors; path: string }) =>
  errors[path] ? (
    <span class="field-error" role="alert" data-path={path}>
      {errors[path]}
    </span>
  ) : null

/** A labelled input whose API message (at `path`) shows beside it. */
export function TextField({
  label,
  hint = '',
  name,
  type = 'text',
  value,
  onValue,
  errors,
  path,
  required = false,
}: {
  label: string
  hint?: string
  name: string
  type?: 'text' | 'number'
  value: string
  onValue: (value: string) => void
  errors: FieldErrors
  path: string
  required?: boolean
}) {
  const id = `field-${name}`
  const input = {
    id,
    name,
    value,
    required,
    onInput: (e: { currentTarget: HTMLInputElement }) => onValue(e.currentTarget.value),
  }
  return (
    <label for={id}>
      {label} <span class="muted">{hint}</span>
      {type === 'number' ? <input type="number" {...input} /> : <input type="text" {...input} />}
      <FieldMessage errors={errors} path={path} />
    </label>
  )
}

/** A labelled select of fixed words (a policy, a mode), with its API message beside it. */
export function Choice<T extends string>({
  label,
  hint = '',
  name,
  value,
  options,
  onValue,
  errors,
  path,
}: {
  label: string
  hint?: string
  name: string
  value: T
  options: readonly T[]
  onValue: (value: T) => void
  errors: FieldErrors
  path: string
}) {
  return (
    <label>
      {label} <span class="muted">{hint}</span>
      <select name={name} value={value} onChange={(e) => onValue(e.currentTarget.value as T)}>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
      <FieldMessage errors={errors} path={path} />
    </label>
  )
}
