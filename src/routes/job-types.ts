import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { JobTypeRegistry } from '../jobs/registry.ts'

const JobTypeView = z
  .object({
    name: z.string(),
    description: z.string(),
    timeoutMs: z.number().int().nullable().describe('Default timeout of its jobs'),
    concurrency: z.number().int().nullable().describe('Most of its jobs running at once on this instance'),
    isolation: z
      .enum(['none', 'worker'])
      .describe('worker: each run executes in a worker thread, terminated if it outlives its grace'),
    paramsSchema: z
      .record(z.string(), z.unknown())
      .describe('JSON Schema (2020-12) of params as a client sends them, defaults included'),
  })
  .meta({ id: 'JobType' })
const JobTypeList = z.object({ items: z.array(JobTypeView) }).meta({ id: 'JobTypeList' })

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
        operationId: 'listJobTypes',
        tags: ['job-types'],
        response: { 200: JobTypeList },
      },
    },
    async () => ({ items }),
  )
}
