import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { JobEngine } from '../jobs/engine.ts'
import { JobState } from '../model/job-state.ts'
import { ProblemBody } from './schemas.ts'

const JobCounts = z
  .object({
    counts: z.record(JobState, z.number().int()).describe('Every state, 0 included'),
    total: z.number().int(),
  })
  .meta({ id: 'JobCounts', description: 'Jobs per state, over every job in the store' })

/**
 * `GET /v1/jobs/counts`: the dashboard's counts per state (SPEC §12) over the public API. A static
 * path, so it wins over `/v1/jobs/{id}` (ids are ULIDs, never "counts").
 */
/**
 * On PostgreSQL a count walks the state index, so it grows with the history (the server's work;
 * SQLite keeps its terminal counts beside the rows, store/sqlite/job-counts.ts): every open
 * dashboard shares one count at most this often, whatever it asks.
 */
export const COUNTS_MAX_AGE_MS = 2000

export const jobCountsRoutes: FastifyPluginAsyncZod<{ engine: JobEngine }> = async (app, { engine }) => {
  let cached: { at: number; counts: Promise<{ counts: Record<string, number>; total: number }> } | null = null
  const count = () => {
    const now = Date.now()
    if (cached === null || now - cached.at >= COUNTS_MAX_AGE_MS) {
      const counts = engine.countByState().then((byState) => ({
        counts: byState,
        total: Object.values(byState).reduce((sum, n) => sum + n, 0),
      }))
      // A failed count is not kept: the next request tries again.
      counts.catch(() => {
        if (cached?.counts === counts) cached = null
      })
      cached = { at: now, counts }
    }
    return cached.counts
  }
  app.get(
    '/jobs/counts',
    {
      schema: {
        summary: 'How many jobs are in each state',
        description: `Counted over every job in the store; the answer may be up to ${COUNTS_MAX_AGE_MS} ms old.`,
        operationId: 'countJobs',
        tags: ['jobs'],
        response: { 200: JobCounts, 503: ProblemBody },
      },
    },
    async () => (await count()) as z.infer<typeof JobCounts>,
  )
}
