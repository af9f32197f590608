import { z } from 'zod'
import { JobInput, Name } from '../model/job-input.ts'
import { CatchUp, Overlap } from '../model/policies.ts'
import { Trigger } from './trigger.ts'

/** Jitter spreads a herd of schedules over up to an hour; more is a different trigger, not jitter. */
export const MAX_JITTER_MS = 3_600_000
/** A bound on maxRuns only so the number stays an exact integer everywhere it is stored. */
const MAX_RUNS = 1_000_000_000

/** A schedule's job template: what POST /v1/jobs takes, minus timing (the schedule decides when). */
export const JobTemplate = JobInput.superRefine((input, ctx) => {
  for (const field of ['runAt', 'delayMs'] as const) {
    if (input[field] !== undefined)
      ctx.addIssue({ code: 'custom', path: [field], message: 'a schedule decides when its runs start' })
  }
})
  .transform(({ runAt: _runAt, delayMs: _delayMs, ...template }) => template)
  // Named in the OpenAPI document (one variant per job type, see routes/openapi/job-type-schemas.ts).
  .meta({
    id: 'JobTemplate',
    // The refinement above, in JSON Schema: neither runAt nor delayMs.
    not: { anyOf: [{ required: ['runAt'] }, { required: ['delayMs'] }] },
  })

/** An ISO 8601 instant on input, epoch milliseconds on output. */
const Instant = z.iso
  .datetime({ offset: true })
  .transform((iso) => Date.parse(iso))
  .refine((ms) => Number.isFinite(ms), 'not a representable instant')

const fields = {
  name: Name.describe('Unique among schedules'),
  trigger: Trigger,
  job: JobTemplate.describe("Template of each run: a job's type, params and options, without runAt/delayMs"),
  overlap: Overlap,
  catchUp: CatchUp,
  jitterMs: z
    .number()
    .int()
    .min(0)
    .max(MAX_JITTER_MS)
    .describe('Each run starts up to this much after its due time (uniform, per run; the grid is unmoved)'),
  startAt: Instant.nullable().describe('No run before this instant; also the grid origin of fixed-rate'),
  endAt: Instant.nullable().describe('No run after this instant; the schedule then stops'),
  maxRuns: z.number().int().min(1).max(MAX_RUNS).nullable().describe('Stop after this many runs'),
}

const checkWindow = (
  { startAt, endAt }: { startAt?: number | null; endAt?: number | null },
  ctx: z.RefinementCtx,
) => {
  if (startAt != null && endAt != null && endAt < startAt)
    ctx.addIssue({ code: 'custom', path: ['endAt'], message: 'must not be before startAt' })
}

/** POST /v1/schedules (SPEC §6). Strict: a misspelt policy name is an error, not a silent default. */
export const CreateScheduleInput = z
  .strictObject({
    ...fields,
    jitterMs: fields.jitterMs.default(0),
    startAt: fields.startAt.default(null),
    endAt: fields.endAt.default(null),
    maxRuns: fields.maxRuns.default(null),
  })
  .superRefine(checkWindow)
export type CreateScheduleInput = z.infer<typeof CreateScheduleInput>

/** PATCH /v1/schedules/{id}: any subset; `trigger` and `job` are replaced whole. */
export const PatchScheduleInput = z
  .strictObject({
    name: fields.name.optional(),
    trigger: fields.trigger.optional(),
    job: fields.job.optional(),
    overlap: z
      .enum(Overlap.unwrap().options)
      .optional()
      .describe(Overlap.description ?? ''),
    catchUp: z
      .enum(CatchUp.unwrap().options)
      .optional()
      .describe(CatchUp.description ?? ''),
    jitterMs: fields.jitterMs.optional(),
    startAt: fields.startAt.optional(),
    endAt: fields.endAt.optional(),
    maxRuns: fields.maxRuns.optional(),
  })
  .superRefine(checkWindow)
export type PatchScheduleInput = z.infer<typeof PatchScheduleInput>

/** POST /v1/schedules/{id}/stop. */
export const StopScheduleInput = z.object({
  mode: z
    .enum(['graceful', 'immediate'])
    .default('graceful')
    .describe(
      'graceful: runs get stopSignal and finish (state stopping until they do); immediate: runs are cancelled',
    ),
})
export type StopScheduleInput = z.infer<typeof StopScheduleInput>
