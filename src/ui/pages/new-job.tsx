import { useState } from 'preact/hooks'
import type { JobInput } from '../../client/index.ts'
import { api, call, fieldErrorsOf } from '../api.ts'
import { ErrorBanner, type FieldErrors, FieldMessage, TextField } from '../components.tsx'
import { href, navigate } from '../router.ts'
import { JobTypeFields, paramsFrom, useJobTypes } from './job-fields.tsx'

/** SPEC §12: a form built from the type's JSON Schema (GET /v1/job-types); the API's own messages beside the fields. */
export function NewJobPage() {
  const [error, setError] = useState<unknown>(null)
  const job = useJobTypes('sleep', setError)
  const [options, setOptions] = useState({ timeoutMs: '', priority: '', delayMs: '', labels: '' })
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({})

  const submit = async (e: Event) => {
    e.preventDefault()
    const { params, bad } = paramsFrom(job.schema, job.values)
    setFieldErrors(Object.fromEntries(Object.entries(bad).map(([k, v]) => [`body.params.${k}`, v])))
    if (Object.keys(bad).length > 0) return
    const labels = Object.fromEntries(
      options.labels
        .split(/[\n,]/)
        .map((l) => l.trim())
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    )
    const body = {
      type: job.typeName,
      params,
      ...(options.timeoutMs ? { timeoutMs: Number(options.timeoutMs) } : {}),
      ...(options.priority ? { priority: Number(options.priority) } : {}),
      ...(options.delayMs ? { delayMs: Number(options.delayMs) } : {}),
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
    } as JobInput
    try {
      const created = await call(api.POST('/v1/jobs', { body }))
      navigate('jobs', created.id)
    } catch (err) {
      // The API names each field (body.params.ms, body.timeoutMs): shown beside it.
      setFieldErrors(fieldErrorsOf(err))
      setError(err)
    }
  }
  const option = (name: 'timeoutMs' | 'priority' | 'delayMs', label: string, hint: string) => (
    <TextField
      key={name}
      label={label}
      hint={hint}
      name={name}
      type="number"
      value={options[name]}
      onValue={(value) => setOptions({ ...options, [name]: value })}
      errors={fieldErrors}
      path={`body.${name}`}
    />
  )
  return (
    <>
      <p class="crumbs">
        <a href={href('jobs')}>Jobs</a> / new
      </p>
      <h1>New job</h1>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <form class="form" onSubmit={submit}>
        <JobTypeFields job={job} at="body" errors={fieldErrors} onChoose={() => setFieldErrors({})} />
        <fieldset>
          <legend>Options</legend>
          {option('timeoutMs', 'Timeout', 'ms; the type default otherwise')}
          {option('priority', 'Priority', '-1000…1000, higher first')}
          {option('delayMs', 'Delay', 'ms before it may run')}
          <label>
            Labels <span class="muted">key=value, one per line</span>
            <textarea
              name="labels"
              rows={2}
              value={options.labels}
              onInput={(e) => setOptions({ ...options, labels: e.currentTarget.value })}
            />
            <FieldMessage errors={fieldErrors} path="body.labels" />
          </label>
        </fieldset>
        <button type="submit" class="primary">
          Create job
        </button>
      </form>
    </>
  )
}
