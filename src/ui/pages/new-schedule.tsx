import { useState } from 'preact/hooks'
import type { ScheduleInput } from '../../client/index.ts'
import { ApiProblem, api, call, fieldErrorsOf } from '../api.ts'
import { Choice, ErrorBanner, type FieldErrors, TextField } from '../components.tsx'
import { href, navigate } from '../router.ts'
import { JobTypeFields, paramsFrom, useJobTypes } from './job-fields.tsx'
import { emptyTrigger, TriggerFields, triggerFrom } from './trigger-fields.tsx'

type Overlap = NonNullable<ScheduleInput['overlap']>
type CatchUp = NonNullable<ScheduleInput['catchUp']>
const OVERLAPS: readonly Overlap[] = ['skip', 'allow', 'replace', 'queue']
const CATCH_UPS: readonly CatchUp[] = ['skip', 'once', 'all']

/** An empty field is left out of the body, so the API's default applies. */
const ifSet = <K extends string>(key: K, text: string) =>
  (text.trim() === '' ? {} : { [key]: Number(text) }) as Partial<Record<K, number>>

/**
 * POST /v1/schedules from the dashboard (SPEC §6): "run periodically" and "keep a background job
 * alive" need a schedule, and an operator should not need curl for them.
 */
export function NewSchedulePage() {
  const [error, setError] = useState<unknown>(null)
  const job = useJobTypes('noop', setError)
  const [name, setName] = useState('')
  const [trigger, setTrigger] = useState(emptyTrigger)
  const [options, setOptions] = useState({
    timeoutMs: '',
    overlap: 'skip' as Overlap,
    catchUp: 'skip' as CatchUp,
    maxRuns: '',
    jitterMs: '',
  })
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({})
  const [busy, setBusy] = useState(false)

  const submit = async (e: Event) => {
    e.preventDefault()
    const { params, bad } = paramsFrom(job.schema, job.values)
    setFieldErrors(Object.fromEntries(Object.entries(bad).map(([k, v]) => [`body.job.params.${k}`, v])))
    if (Object.keys(bad).length > 0) return
    const { timeoutMs, maxRuns, jitterMs, overlap, catchUp } = options
    const body: ScheduleInput = {
      name: name.trim(),
      trigger: triggerFrom(trigger),
      // Types added at runtime are not in the document's union of type names.
      job: { type: job.typeName, params, ...ifSet('timeoutMs', timeoutMs) } as ScheduleInput['job'],
      overlap,
      catchUp,
      ...ifSet('maxRuns', maxRuns),
      ...ifSet('jitterMs', jitterMs),
    }
    setBusy(true)
    try {
      const created = await call(api.POST('/v1/schedules', { body }))
      navigate('schedules', created.id)
    } catch (err) {
      const errors = fieldErrorsOf(err)
      // This route's only 409 is a taken name (errors[] names body.name); without errors[] it still is.
      if (err instanceof ApiProblem && err.status === 409 && Object.keys(errors).length === 0)
        errors['body.name'] = err.problem?.detail ?? err.message
      setFieldErrors(errors)
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  const option = (key: 'timeoutMs' | 'maxRuns' | 'jitterMs', label: string, hint: string, path: string) => (
    <TextField
      label={label}
      hint={hint}
      name={key}
      type="number"
      value={options[key]}
      onValue={(value) => setOptions({ ...options, [key]: value })}
      errors={fieldErrors}
      path={path}
    />
  )
  return (
    <>
      <p class="crumbs">
        <a href={href('schedules')}>Schedules</a> / new
      </p>
      <h1>New schedule</h1>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <form class="form" onSubmit={submit}>
        <TextField
          label="Name"
          hint="unique; letters, digits, . _ -"
          name="name"
          value={name}
          onValue={setName}
          errors={fieldErrors}
          path="body.name"
          required
        />
        <TriggerFields draft={trigger} onDraft={setTrigger} errors={fieldErrors} />
        <fieldset>
          <legend>Job template</legend>
          <JobTypeFields job={job} at="body.job" errors={fieldErrors} onChoose={() => setFieldErrors({})} />
          {option('timeoutMs', 'Timeout', 'ms per run; the type default otherwise', 'body.job.timeoutMs')}
        </fieldset>
        <fieldset>
          <legend>Policies</legend>
          <Choice
            label="Overlap"
            hint="a tick while the last run is active: skip it, allow both, replace the old run, queue one"
            name="overlap"
            value={options.overlap}
            options={OVERLAPS}
            onValue={(overlap) => setOptions({ ...options, overlap })}
            errors={fieldErrors}
            path="body.overlap"
          />
          <Choice
            label="Catch-up"
            hint="ticks missed while down or paused: none, one run, or each (bounded)"
            name="catchUp"
            value={options.catchUp}
            options={CATCH_UPS}
            onValue={(catchUp) => setOptions({ ...options, catchUp })}
            errors={fieldErrors}
            path="body.catchUp"
          />
          {option('maxRuns', 'Max runs', 'stop after this many; no limit otherwise', 'body.maxRuns')}
          {option('jitterMs', 'Jitter', 'ms; each run starts up to this much late', 'body.jitterMs')}
        </fieldset>
        <button type="submit" class="primary" disabled={busy}>
          Create schedule
        </button>
      </form>
    </>
  )
}
