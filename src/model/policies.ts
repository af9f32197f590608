import { z } from 'zod'

/** SPEC §6 overlap: what a tick does while an earlier run of the schedule is still active. */
export const Overlap = z
  .enum(['skip', 'allow', 'replace', 'queue'])
  .default('skip')
  .describe(
    'skip: record the tick as skipped; allow: run both; replace: cancel the old run; queue: run after it',
  )
export type Overlap = z.infer<typeof Overlap>

/** SPEC §6 catchUp: ticks missed while down or paused. "skip" is the spec's "none". */
export const CatchUp = z
  .enum(['skip', 'once', 'all'])
  .default('skip')
  .describe('Missed ticks: skip (none), once (one run for all of them), all (each, at most 100)')
export type CatchUp = z.infer<typeof CatchUp>
