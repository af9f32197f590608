import type { TickRecord } from '../model/tick.ts'
/**
 * SPEC §11 tick history: what became of each tick of a schedule. Ticks are written only as part of
 * the schedule write that decided them (`SchedulePatch.ticks`), so a tick is recorded exactly when
 * its decision is, and never for a decision another writer won. This port only reads them back.
 */

export interface TickQuery {
  scheduleId: string
  limit: number
  /** Exclusive upper bound on `seq` (newest first). */
  beforeSeq?: number
}

/**
 * Reading the history. Adapters keep the newest `maxTicksPerSchedule` ticks of each schedule
 * (JOBVISOR_MAX_TICKS), pruning in the write that adds one, and delete a schedule's ticks with it.
 */
export interface TickStore {
  /** Newest first. */
  list(query: TickQuery): Promise<TickRecord[]>
}
