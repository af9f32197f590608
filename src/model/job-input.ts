import { z } from 'zod'
import { RetryPolicy } from './retry.ts'

/** A type name, a schedule name and a label key share one conservative alphabet. */
export const Name = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, 'expected 1-100 characters of A-Z a-z 0-9 . _ -')

export const Labels = z
  .record(Name, z.string().max(200))
  .refine((labels) => Object.keys(labels).length <= 20, 'at most 20 labels')
  .describe('Free-form key/value tags, filterable with `label=k:v`')

/** Upper bound on a delay: 31 days (the delayed-job timer re-arms in steps, so any length works). */
export const MAX_DELAY_MS = 31 * 86_400_000
/**
 * Upper bound on a timeout: the longest one Node timer can wait (2^31−1 ms, ~24.8 days). A longer
 * one made setTimeout fire after 1 ms (TimeoutOverflowWarning): the job timed out at once.
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1

const EARLIEST = Date.parse('0000-01-01T00:00:00Z')
const LATEST = Date.parse('9999-12-31T23:59:59.999Z')
const isFourDigitYear = (iso: string) => {
  const ms = Date.parse(iso)
  return ms >= EARLIEST && ms <= LATEST
}

/** What a client sends to create a job (SPEC §5); also the job template of a schedule. */
export const JobInput = z
  .object({
    type: Name.describe('A registered job type (see GET /v1/job-types)'),
    params: z.unknown().default({}).describe("Validated against the type's params schema"),
    timeoutMs: z
      .number()
      .int()
      .min(1)
      .max(MAX_TIMEOUT_MS)
      .optional()
      .describe('Counted from the moment the job runs; type default otherwise; capped by config'),
    priority: z
      .number()
      .int()
      .min(-1000)
      .max(1000)
      .default(0)
      .describe('Higher runs first; FIFO within a priority'),
    runAt: z.iso
      .datetime({ offset: true })
      // An offset can push 9999-12-31T23:59-01:00 past year 9999, which no ISO string can echo back.
      .refine(isFourDigitYear, 'must fall within the years 0000-9999 once converted to UTC')
      .optional()
      .describe('Run no earlier than this instant'),
    delayMs: z.number().int().min(0).max(MAX_DELAY_MS).optional().describe('Run after this delay'),
    retry: RetryPolicy.optional(),
    labels: Labels.optional(),
  })
  .superRefine((input, ctx) => {
    if (input.runAt !== undefined && input.delayMs !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['delayMs'], message: 'give runAt or delayMs, not both' })
    }
  })
  // The refinement above, in JSON Schema (OpenAPI document).
  .meta({ not: { required: ['runAt', 'delayMs'] } })
export type JobInput = z.infer<typeof JobInput>

export const CancelInput = z.object({
  mode: z.enum(['immediate', 'graceful']).default('immediate'),
  reason: z.string().max(500).optional(),
  graceMs: z.number().int().min(0).max(3_600_000).optional().describe('Default from JOBVISOR_GRACE_MS'),
})
export type CancelInput = z.infer<typeof CancelInput>

export const ReturnWhen = z.enum(['all_completed', 'first_completed', 'first_failure'])
export type ReturnWhen = z.infer<typeof ReturnWhen>
