import { z } from 'zod'
import { TICK_OUTCOMES, type TickRecord } from '../model/tick.ts'

const Time = z.iso.datetime()

/** SPEC §11: one tick of a schedule and what became of it. */
export const TickView = z
  .object({
    dueAt: Time.describe('When the tick was due (after jitter for a run)'),
    outcome: z
      .enum(TICK_OUTCOMES)
      .describe(
        'fired: a run was created (jobId); skipped: not run (overlap, a full queue, a rejected template); ' +
          'queued: waits for the active run (overlap queue); replaced: the active run was cancelled for a new ' +
          'one; missed: passed while the service was down or the schedule paused (catchUp); manual: POST …/trigger',
      ),
    reason: z.string().nullable().describe('Why, in words; names the active or cancelled run'),
    jobId: z.string().nullable().describe('The run this tick created'),
    recordedAt: Time.describe('When the decision was stored'),
  })
  .meta({ id: 'Tick' })
export type TickView = z.infer<typeof TickView>

const iso = (ms: number) => new Date(ms).toISOString()
export const toTickView = (t: Pick<TickRecord, 'dueAt' | 'outcome' | 'reason' | 'jobId' | 'recordedAt'>) => ({
  dueAt: iso(t.dueAt),
  outcome: t.outcome,
  reason: t.reason,
  jobId: t.jobId,
  recordedAt: iso(t.recordedAt),
})
