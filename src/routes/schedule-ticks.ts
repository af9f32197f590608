import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ScheduleService } from '../scheduler/schedules.ts'
import { ScheduleIdParams } from './schedule-schemas.ts'
import { decodeCursor, encodeCursor, ProblemBody } from './schemas.ts'
import { TickView, toTickView } from './tick-schemas.ts'

export const MAX_TICK_LIST_LIMIT = 500

/** A tick cursor is the keyset of the tick store: the last `seq` of the page. */
const seqOf = (cursor: string) => {
  const text = decodeCursor(cursor)
  return text !== null && /^[1-9]\d{0,14}$/.test(text) ? Number(text) : null
}
const TickCursor = z
  .string()
  .max(200)
  .refine((c) => seqOf(c) !== null, 'not a cursor returned by this API')
  .describe('`nextCursor` of the previous page')

/** `GET /v1/schedules/{id}/ticks`, registered by schedulesRoutes. */
export const scheduleTicksRoutes: FastifyPluginAsyncZod<{ schedules: ScheduleService }> = async (
  app,
  { schedules },
) => {
  app.get(
    '/schedules/:id/ticks',
    {
      schema: {
        summary: "A schedule's tick history, newest first",
        description: `SPEC §11: what became of each tick, recorded in the same write as the decision. The newest
JOBVISOR_MAX_TICKS (default 1000) per schedule are kept; they are deleted with the schedule.`,
        operationId: 'listScheduleTicks',
        tags: ['schedules'],
        params: ScheduleIdParams,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(MAX_TICK_LIST_LIMIT).default(50),
          cursor: TickCursor.optional(),
        }),
        response: {
          200: z.object({ items: z.array(TickView), nextCursor: z.string().nullable() }),
          400: ProblemBody,
          404: ProblemBody,
          503: ProblemBody,
        },
      },
    },
    async (req) => {
      const { limit, cursor } = req.query
      const beforeSeq = cursor === undefined ? undefined : (seqOf(cursor) ?? undefined)
      const rows = await schedules.ticks(req.params.id, { limit: limit + 1, beforeSeq })
      const page = rows.slice(0, limit)
      const last = page.at(-1)
      return {
        items: page.map(toTickView),
        nextCursor: rows.length > limit && last ? encodeCursor(String(last.seq)) : null,
      }
    },
  )
}
