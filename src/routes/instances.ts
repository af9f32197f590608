import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { InstancePresence } from '../jobs/presence.ts'

const Time = z.iso.datetime()

export const InstanceView = z
  .object({
    id: z.string().describe('JOBVISOR_INSTANCE_ID'),
    startedAt: Time,
    lastSeenAt: Time.describe('Its latest heartbeat; an instance unseen for JOBVISOR_LEASE_MS is not listed'),
    running: z.number().int().describe('Jobs it executed at that heartbeat'),
    version: z.string(),
  })
  .meta({ id: 'Instance' })

/** `GET /v1/instances` (SPEC §10): the live instances sharing this database; with SQLite, this process. */
export const instancesRoutes: FastifyPluginAsyncZod<{ presence: InstancePresence }> = async (
  app,
  { presence },
) => {
  app.get(
    '/instances',
    {
      schema: {
        summary: 'Live instances sharing the database',
        tags: ['operations'],
        response: { 200: z.object({ items: z.array(InstanceView) }) },
      },
    },
    async () => ({
      items: (await presence.list()).map((i) => ({
        id: i.id,
        startedAt: new Date(i.startedAt).toISOString(),
        lastSeenAt: new Date(i.lastSeenAt).toISOString(),
        running: i.running,
        version: i.version,
      })),
    }),
  )
}
