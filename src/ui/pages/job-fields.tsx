import { useEffect, useState } from 'preact/hooks'
import type { JobType } from '../../client/index.ts'
import { api, call } from '../api.ts'
import { type FieldErrors, FieldMessage } from '../components.tsx'

export type Schema = Record<string, unknown>

/** A field's control, chosen by its JSON Schema: what a person can type, JSON for the rest. */
export function kindOf(schema: Schema): 'text' | 'number' | 'boolean' | 'enum' | 'json' {
  if (Array.isArray(schema.enum)) return 'enum'
  if (schema.type === 'string') return 'text'
  if (schema.type === 'integer' || schema.type === 'number') return 'number'
  if (schema.type === 'boolean') return 'boolean'
  return 'json'
}

/** The form's text of each field → the params object; a JSON field that does not parse is an error. */
export function paramsFrom(
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

/** The job types (GET /v1/job-types), the chosen one and the text of its params fields. */
export function useJobTypes(preferred: string, onError: (err: unknown) => void) {
  const [types, setTypes] = useState<JobType[]>([])
  const [typeName, setTypeName] = useState('')
  const [values, setValues] = useState<Record<string, string>>({})
  useEffect(() => {
    void call(api.GET('/v1/job-types')).then((t) => {
      setTypes(t.items)
      setTypeName(t.items.find((i) => i.name === preferred)?.name ?? t.items[0]?.name ?? '')
    }, onError)
  }, [])
  const type = types.find((t) => t.name === typeName)
  return {
    types,
    type,
    typeName,
    schema: (type?.paramsSchema ?? {}) as Schema,
    values,
    setValues,
    // Another type's params would be refused as unknown keys: start its fields empty.
    choose: (name: string) => {
      setTypeName(name)
      setValues({})
    },
  }
}
export type JobTypes = ReturnType<typeof useJobTypes>

const Unset = ({ field }: { field: Schema }) => (
  <option value="">{field.default === undefined ? '—' : `default (${String(field.default)})`}</option>
)

/**
 * The type select and one field per param of its JSON Schema (SPEC §12). `at` is where the job sits
 * in the request body ("body" for POST /v1/jobs, "body.job" for a schedule's template), so the
 * API's messages (errors[].path) land beside the fields they name.
 */
export function JobTypeFields({
  job,
  at,
  errors,
  onChoose,
}: {
  job: JobTypes
  at: string
  errors: FieldErrors
  onChoose?: () => void
}) {
  const { schema, values, setValues } = job
  const properties = (schema.properties ?? {}) as Record<string, Schema>
  const required = new Set((schema.required ?? []) as string[])
  return (
    <>
      <label>
        Type
        <select
          name="type"
          value={job.typeName}
          onChange={(e) => {
            job.choose(e.currentTarget.value)
            onChoose?.()
          }}
        >
          {job.types.map((t) => (
            <option key={t.name} value={t.name}>
              {t.name}
            </option>
          ))}
        </select>
        <span class="muted">{job.type?.description}</span>
        <FieldMessage errors={errors} path={`${at}.type`} />
      </label>
      <fieldset>
        <legend>Params</legend>
        {Object.keys(properties).length === 0 && <p class="muted">This type takes no params.</p>}
        {Object.entries(properties).map(([name, field]) => {
          const kind = kindOf(field)
          const id = `param-${name}`
          const set = (e: { currentTarget: { value: string } }) =>
            setValues({ ...values, [name]: e.currentTarget.value })
          const common = { id, name, value: values[name] ?? '' }
          const typed = {
            ...common,
            onInput: set,
            required: required.has(name),
            placeholder: field.default === undefined ? '' : String(field.default),
          }
          return (
            <label key={name} for={id}>
              {name}
              {required.has(name) ? ' *' : ''} <span class="muted">{String(field.description ?? '')}</span>
              {kind === 'enum' ? (
                <select {...common} onChange={set}>
                  <Unset field={field} />
                  {(field.enum as unknown[]).map((v) => (
                    <option key={String(v)} value={String(v)}>
                      {String(v)}
                    </option>
                  ))}
                </select>
              ) : kind === 'boolean' ? (
                <select {...common} onChange={set}>
                  <Unset field={field} />
                  <option value="true">true</option>
                  <option value="false">false</option>
                </select>
              ) : kind === 'json' ? (
                <textarea {...common} onInput={set} rows={3} placeholder="JSON" />
              ) : kind === 'number' ? (
                <input type="number" {...typed} />
              ) : (
                <input type="text" {...typed} />
              )}
              <FieldMessage errors={errors} path={`${at}.params.${name}`} />
            </label>
          )
        })}
        <FieldMessage errors={errors} path={`${at}.params`} />
      </fieldset>
    </>
  )
}
