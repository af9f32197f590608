import { useEffect, useState } from 'preact/hooks'
import type { JobInput, JobType } from '../../client/index.ts'
import { ApiProblem, api, call } from '../api.ts'
import { ErrorBanner } from '../components.tsx'
import { href, navigate } from '../router.ts'

type Schema = Record<string, unknown>

/** A field's control, chosen by its JSON Schema: what a person can type, JSON for the rest. */
function kindOf(schema: Schema): 'text' | 'number' | 'boolean' | 'enum' | 'json' {
  if (Array.isArray(schema.enum)) return 'enum'
  if (schema.type === 'string') return 'text'
  if (schema.type === 'integer' || schema.type === 'number') return 'number'
  if (schema.type === 'boolean') return 'boolean'
  return 'json'
}

/** The form's text of each field → the params object; a JSON field that does not parse is an error. */
function paramsFrom(
  schema: Schema,
  values: Record<string, string>,
): { params: Record<string, unknown>; bad: Record<string, string> } {
  const properties = (schema.properties ?? {}) as Record<string, Schema>
  const params: Record<string, unknown> = {}
  const bad: Record<string, string> = {}
  for (const [name, field] of Object.entries(properties)) {
    const text = values[name] ?? ''
    if (text === '') continue
    const kind = kindOf(field)
    if (kind === 'number') params[name] = Number(text)
    else if (kind === 'boolean') params[name] = text === 'true'
    else if (kind === 'json')
      try {
        params[name] = JSON.parse(text)
      } catch {
        bad[name] = 'not valid JSON'
      }
    else params[name] = text
  }
  return { params, bad }
}

/** SPEC §12: a form built from the type's JSON Schema (GET /v1/job-types); the API's own messages beside the fields. */
export function NewJobPage() {
  const [types, setTypes] = useState<JobType[]>([])
  const [typeName, setTypeName] = useState('')
  const [values, setValues] = useState<Record<string, string>>({})
  const [options, setOptions] = useState({ timeoutMs: '', priority: '', delayMs: '', labels: '' })
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({})
  const [error, setError] = useState<unknown>(null)
  useEffect(() => {
    void call(api.GET('/v1/job-types')).then((t) => {
      setTypes(t.items)
      setTypeName(t.items.find((i) => i.name === 'sleep')?.name ?? t.items[0]?.name ?? '')
    }, setError)
  }, [])
  const type = types.find((t) => t.name === typeName)
  const schema = (type?.paramsSchema ?? {}) as Schema
  const properties = (schema.properties ?? {}) as Record<string, Schema>
  const required = new Set((schema.required ?? []) as string[])

  const submit = async (e: Event) => {
    e.preventDefault()
    const { params, bad } = paramsFrom(schema, values)
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
      type: typeName,
      params,
      ...(options.timeoutMs ? { timeoutMs: Number(options.timeoutMs) } : {}),
      ...(options.priority ? { priority: Number(options.priority) } : {}),
      ...(options.delayMs ? { delayMs: Number(options.delayMs) } : {}),
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
    } as JobInput
    try {
      const job = await call(api.POST('/v1/jobs', { body }))
      navigate('jobs', job.id)
    } catch (err) {
      // The API names each field (body.params.ms, body.timeoutMs): shown beside it.
      const issues = err instanceof ApiProblem ? (err.problem?.errors ?? []) : []
      setFieldErrors(Object.fromEntries(issues.map((i) => [i.path, i.message])))
      setError(err)
    }
  }
  const inputProps = (name: string, set: (value: string) => void) => {
    const field = properties[name] ?? {}
    return {
      id: `param-${name}`,
      name,
      required: required.has(name),
      placeholder: field.default === undefined ? '' : String(field.default),
      value: values[name] ?? '',
      onInput: (e: { currentTarget: HTMLInputElement }) => set(e.currentTarget.value),
    }
  }
  const message = (path: string) =>
    fieldErrors[path] && (
      <span class="field-error" role="alert" data-path={path}>
        {fieldErrors[path]}
      </span>
    )
  const option = (name: keyof typeof options, label: string, hint: string) => (
    <label key={name}>
      {label} <span class="muted">{hint}</span>
      <input
        type="number"
        name={name}
        value={options[name]}
        onInput={(e) => setOptions({ ...options, [name]: e.currentTarget.value })}
      />
      {message(`body.${name}`)}
    </label>
  )
  return (
    <>
      <p class="crumbs">
        <a href={href('jobs')}>Jobs</a> / new
      </p>
      <h1>New job</h1>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <form class="form" onSubmit={submit}>
        <label>
          Type
          <select
            name="type"
            value={typeName}
            onChange={(e) => {
              setTypeName(e.currentTarget.value)
              setValues({})
              setFieldErrors({})
            }}
          >
            {types.map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
          <span class="muted">{type?.description}</span>
        </label>
        <fieldset>
          <legend>Params</legend>
          {Object.keys(properties).length === 0 && <p class="muted">This type takes no params.</p>}
          {Object.entries(properties).map(([name, field]) => {
            const kind = kindOf(field)
            const set = (value: string) => setValues({ ...values, [name]: value })
            const id = `param-${name}`
            return (
              <label key={name} for={id}>
                {name}
                {required.has(name) ? ' *' : ''} <span class="muted">{String(field.description ?? '')}</span>
                {kind === 'enum' ? (
                  <select
                    id={id}
                    name={name}
                    value={values[name] ?? ''}
                    onChange={(e) => set(e.currentTarget.value)}
                  >
                    <option value="">
                      {field.default === undefined ? '—' : `default (${String(field.default)})`}
                    </option>
                    {(field.enum as unknown[]).map((v) => (
                      <option key={String(v)} value={String(v)}>
                        {String(v)}
                      </option>
                    ))}
                  </select>
                ) : kind === 'boolean' ? (
                  <select
                    id={id}
                    name={name}
                    value={values[name] ?? ''}
                    onChange={(e) => set(e.currentTarget.value)}
                  >
                    <option value="">
                      {field.default === undefined ? '—' : `default (${String(field.default)})`}
                    </option>
                    <option value="true">true</option>
                    <option value="false">false</option>
                  </select>
                ) : kind === 'json' ? (
                  <textarea
                    id={id}
                    name={name}
                    rows={3}
                    placeholder="JSON"
                    value={values[name] ?? ''}
                    onInput={(e) => set(e.currentTarget.value)}
                  />
                ) : kind === 'number' ? (
                  <input type="number" {...inputProps(name, set)} />
                ) : (
                  <input type="text" {...inputProps(name, set)} />
                )}
                {message(`body.params.${name}`)}
              </label>
            )
          })}
          {message('body.params')}
        </fieldset>
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
            {message('body.labels')}
          </label>
        </fieldset>
        <button type="submit" class="primary">
          Create job
        </button>
      </form>
    </>
  )
}
