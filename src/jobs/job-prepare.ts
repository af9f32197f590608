import { createHash } from 'node:crypto'
import type { NewJob } from '../model/job.ts'
import type { JobInput } from '../model/job-input.ts'
import { InvalidJobInputError } from './errors.ts'
import type { JobTypeRegistry } from './registry.ts'

/** Extra fields the scheduler sets on the runs it creates. */
export interface RunOrigin {
  scheduleId: string
  dueAt: number
}

/**
 * A create's input → the row to store: the type must be registered and its params valid (the
 * type's schema, with its defaults applied); `runAt`/`delayMs` in the future make it `scheduled`.
 * Throws InvalidJobInputError naming each bad field.
 */
export function prepareJob(
  input: JobInput,
  origin: RunOrigin | undefined,
  registry: JobTypeRegistry,
  now: number,
  newId: (now: number) => string,
): NewJob {
  const type = registry.get(input.type)
  if (!type) {
    const known = registry.names().join(', ')
    throw new InvalidJobInputError([
      { path: 'type', message: `unknown job type "${input.type}" (known: ${known})` },
    ])
  }
  const params = type.params.safeParse(input.params)
  if (!params.success) {
    throw new InvalidJobInputError(
      params.error.issues.map((i) => ({ path: ['params', ...i.path].join('.'), message: i.message })),
    )
  }
  const runAt =
    input.runAt !== undefined
      ? Date.parse(input.runAt)
      : input.delayMs !== undefined
        ? now + input.delayMs
        : null
  return {
    id: newId(now),
    type: input.type,
    params: params.data ?? {},
    state: runAt !== null && runAt > now ? 'scheduled' : 'queued',
    priority: input.priority,
    timeoutMs: input.timeoutMs ?? null,
    runAt,
    retry: input.retry ?? { maxAttempts: 1 },
    labels: input.labels ?? {},
    scheduleId: origin?.scheduleId ?? null,
    dueAt: origin?.dueAt ?? null,
    createdAt: now,
  }
}

/** Same logical request → same hash, whatever the key order the client used. */
export function fingerprint(input: JobInput): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical)
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
      )
    }
    return value
  }
  return createHash('sha256')
    .update(JSON.stringify(canonical(input)))
    .digest('base64url')
}
