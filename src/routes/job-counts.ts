import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { JobEngine } from '../jobs/engine.ts'
import { JobState } from '../jobs/state.ts'
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
export const jobCountsRoutes: FastifyPluginAsyncZod<{ engine: JobEngine }> = async (app, { engine }) => {
  app.get(
    '/jobs/counts',
    {
      schema: {
        summary: 'How many jobs are in each state',
        operationId: 'countJobs',
        tags: ['jobs'],
        response: { 200: JobCounts, 503: ProblemBody },
      },
    },
    async () => {
      const counts = await engine.countByState()
      return { counts, total: Object.values(counts).reduce((sum, n) => sum + n, 0) }
    },
  )
}
