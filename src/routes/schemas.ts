import { z } from 'zod'
import type { JobRecord, LogLine } from '../model/job.ts'
import { JobState } from '../model/job-state.ts'
import { redactData, redactMessage, redactText } from '../redact.ts'

/** RFC 9457 problem details; `errors` names each offending field. */
export const ProblemBody = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    // Lazy: JobView is defined below. A 409 about a job carries it as it is now.
    job: z.lazy(() => JobView).optional(),
  })
  .meta({ id: 'Problem' })

/**
 * Formatted times, memoized: a page or a wait reply holds many jobs stamped in the same
 * millisecond, and toISOString was half the cost of a job view (bench P8: 1,000 views per reply).
 */
const isoCache = new Map<number, string>()
const iso = (ms: number | null): string | null => {
  if (ms === null) return null
  let text = isoCache.get(ms)
  if (text === undefined) {
    if (isoCache.size >= 4096) isoCache.clear()
    text = new Date(ms).toISOString()
    isoCache.set(ms, text)
  }
  return text
}
const Time = z.iso.datetime()

export const JobView = z
  .object({
    id: z.string(),
    type: z.string(),
    params: z.unknown(),
    state: JobState,
    priority: z.number().int(),
    timeoutMs: z.number().int().nullable(),
    runAt: Time.nullable(),
    retry: z.object({
      maxAttempts: z.number().int(),
      backoff: z
        .object({
          type: z.enum(['fixed', 'exponential']),
          delayMs: z.number().int(),
          maxDelayMs: z.number().int().optional(),
        })
        .optional(),
    }),
    attempt: z.number().int(),
    labels: z.record(z.string(), z.string()),
    scheduleId: z.string().nullable(),
    dueAt: Time.nullable().describe('For a schedule run: when its tick was due'),
    instance: z.string().nullable().describe('The instance that runs or ran the latest attempt (SPEC §10)'),
    progress: z.object({ percent: z.number(), message: z.string().optional() }).nullable(),
    result: z.unknown(),
    error: z.object({ name: z.string(), message: z.string(), code: z.string().optional() }).nullable(),
    cancel: z
      .object({
        mode: z.enum(['immediate', 'graceful']),
        reason: z.string().nullable(),
        requestedAt: Time,
        forced: z.boolean(),
        graceMs: z.number().int(),
      })
      .nullable(),
    createdAt: Time,
    startedAt: Time.nullable(),
    finishedAt: Time.nullable(),
    updatedAt: Time,
  })
  .meta({ id: 'Job' })
export type JobView = z.infer<typeof JobView>

export function toJobView(job: JobRecord): JobView {
  return {
    id: job.id,
    type: job.type,
    // SPEC §8: secrets are redacted in the view; the stored record keeps them for the handler.
    params: redactData(job.params),
    state: job.state,
    priority: job.priority,
    timeoutMs: job.timeoutMs,
    runAt: iso(job.runAt),
    retry: job.retry,
    attempt: job.attempt,
    labels: job.labels,
    scheduleId: job.scheduleId,
    dueAt: iso(job.dueAt),
    instance: job.instance,
    progress: job.progress && redactMessage(job.progress),
    result: job.result == null ? null : redactData(job.result),
    error: job.error && redactMessage(job.error),
    cancel: job.cancel && {
      ...job.cancel,
      reason: job.cancel.reason === null ? null : redactText(job.cancel.reason),
      requestedAt: iso(job.cancel.requestedAt) as string,
    },
    createdAt: iso(job.createdAt) as string,
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    updatedAt: iso(job.updatedAt) as string,
  }
}

export const JobIdParams = z.object({ id: z.string().min(1).max(100) })

export const LogLineView = z.object({
  seq: z.number().int(),
  time: Time,
  level: z.enum(['debug', 'info', 'warn', 'error']),
  msg: z.string(),
})
export const toLogLineView = (line: LogLine) => ({ ...line, time: iso(line.time) as string })

/** Opaque keyset cursor: base64url of the last id on the page. */
export const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url')
export const decodeCursor = (cursor: string): string | null => {
  const id = Buffer.from(cursor, 'base64url').toString('utf8')
  return /^[0-9A-Za-z._-]{1,100}$/.test(id) ? id : null
}
export const Cursor = z
  .string()
  .max(200)
  .refine((c) => decodeCursor(c) !== null, 'not a cursor returned by this API')
  .describe('`nextCursor` of the previous page')
