import { z } from 'zod'
import type { ScheduleRecord } from '../model/schedule.ts'
import { ScheduleState } from '../model/schedule.ts'
import { redactData } from '../redact.ts'
import type { ScheduleEvent } from '../scheduler/events.ts'
import { SCHEDULE_EVENT_NAMES } from '../scheduler/events.ts'
import type { HubSource } from './event-hub.ts'
import { JobView } from './schemas.ts'
import { toTickView } from './tick-schemas.ts'

const Time = z.iso.datetime()
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** A trigger as stored: intervals always in `everyMs`, defaults filled in. */
const TriggerView = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('interval'),
    everyMs: z.number().int(),
    mode: z.enum(['fixed-rate', 'fixed-delay']),
  }),
  z.object({ type: z.literal('cron'), expression: z.string(), timezone: z.string() }),
  z.object({
    type: z.literal('daemon'),
    restart: z.enum(['always', 'on-failure']),
    backoff: z.object({
      initialMs: z.number().int(),
      maxMs: z.number().int(),
      healthyAfterMs: z.number().int(),
    }),
  }),
])

const JobTemplateView = z.object({
  type: z.string(),
  params: z.unknown(),
  timeoutMs: z.number().int().optional(),
  priority: z.number().int(),
  retry: JobView.shape.retry.optional(),
  labels: z.record(z.string(), z.string()).optional(),
})

/** SPEC §5/§6 schedule resource. */
export const ScheduleView = z
  .object({
    id: z.string(),
    name: z.string(),
    trigger: TriggerView,
    job: JobTemplateView,
    overlap: z.enum(['skip', 'allow', 'replace', 'queue']),
    catchUp: z.enum(['skip', 'once', 'all']),
    jitterMs: z.number().int(),
    startAt: Time.nullable(),
    endAt: Time.nullable(),
    maxRuns: z.number().int().nullable(),
    state: ScheduleState,
    nextRunAt: Time.nullable().describe(
      'Next due time (before jitter); null unless active and waiting for a tick',
    ),
    lastRunAt: Time.nullable().describe('Due time (after jitter) of the most recent run'),
    runCount: z.number().int(),
    skippedCount: z.number().int().describe('Ticks not run: skipped by overlap or missed (catchUp)'),
    lastLatenessMs: z.number().int().nullable().describe('Start − due time of the most recently started run'),
    queuedRunAt: Time.nullable().describe('overlap=queue: due time of the tick waiting for the active run'),
    activeJobIds: z.array(z.string()).describe('Runs not yet finished'),
    createdAt: Time,
    updatedAt: Time,
  })
  .meta({ id: 'Schedule' })
export type ScheduleView = z.infer<typeof ScheduleView>

/** SPEC §8: a template's params (e.g. an `http` Authorization header) are redacted as a job's are. */
function redactTemplate(job: ScheduleRecord['job']): ScheduleRecord['job'] {
  const params = redactData(job.params)
  return params === job.params ? job : { ...job, params }
}

/** The resource; `activeJobIds` is omitted where it is not read (event payloads). */
export function toScheduleView(s: ScheduleRecord, activeJobIds?: string[]): ScheduleView {
  return {
    id: s.id,
    name: s.name,
    trigger: s.trigger,
    job: redactTemplate(s.job),
    overlap: s.overlap,
    catchUp: s.catchUp,
    jitterMs: s.jitterMs,
    startAt: iso(s.startAt),
    endAt: iso(s.endAt),
    maxRuns: s.maxRuns,
    state: s.state,
    nextRunAt: s.state === 'active' ? iso(s.nextRunAt) : null,
    lastRunAt: iso(s.lastRunAt),
    runCount: s.runCount,
    skippedCount: s.skippedCount,
    lastLatenessMs: s.lastLatenessMs,
    queuedRunAt: iso(s.pendingDueAt),
    ...(activeJobIds ? { activeJobIds } : {}),
    createdAt: iso(s.createdAt) as string,
    updatedAt: iso(s.updatedAt) as string,
  } as ScheduleView
}

/** `:id` of the schedule routes. */
export const ScheduleIdParams = z.object({ id: z.string().min(1).max(100) })

/** Schedule events for GET /v1/events: `data` is `{ type, schedule, jobId?, dueAt?, tick? }`. */
export const scheduleEventSource: HubSource<ScheduleEvent> = {
  types: SCHEDULE_EVENT_NAMES,
  toEvent: ({ type, schedule, jobId, dueAt, tick }) => ({
    type,
    jobId: jobId ?? tick?.jobId ?? null,
    scheduleId: schedule.id,
    data: () => ({
      type,
      schedule: toScheduleView(schedule),
      ...(jobId === undefined ? {} : { jobId }),
      ...(dueAt === undefined ? {} : { dueAt: iso(dueAt) }),
      ...(tick === undefined ? {} : { tick: toTickView(tick) }),
    }),
  }),
}
