import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { JobTypeRegistry } from '../jobs/registry.ts'

const JobTypeView = z.object({
  name: z.string(),
  description: z.string(),
  timeoutMs: z.number().int().nullable(),
  concurrency: z.number().int().nullable(),
  isolation: z
    .enum(['none', 'worker'])
    .describe('worker: each run executes in a worker thread, terminated if it outlives its grace'),
  paramsSchema: z.unknown().describe('JSON Schema of params, defaults included'),
})

export const jobTypesRoutes: FastifyPluginAsyncZod<{ registry: JobTypeRegistry }> = async (
  app,
  { registry },
) => {
  // The registry is fixed once the app is built, so the JSON Schemas are computed once.
  const items = registry.describe()
  app.get(
    '/job-types',
    {
      schema: {
        summary: 'Registered job types',
        tags: ['job-types'],
        response: { 200: z.object({ items: z.array(JobTypeView) }) },
      },
    },
    async () => ({ items }),
  )
}
