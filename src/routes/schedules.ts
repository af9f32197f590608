import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ScheduleRecord } from '../model/schedule.ts'
import { ScheduleState } from '../model/schedule.ts'
import { CreateScheduleInput, PatchScheduleInput, StopScheduleInput } from '../scheduler/input.ts'
import type { ScheduleService } from '../scheduler/schedules.ts'
import { stateList } from './query.ts'
import { ScheduleIdParams, ScheduleView, toScheduleView } from './schedule-schemas.ts'
import { scheduleTicksRoutes } from './schedule-ticks.ts'
import { Cursor, decodeCursor, encodeCursor, JobView, ProblemBody, toJobView } from './schemas.ts'

/** SPEC §5 list limit (QUALITY S6: every size is bounded). */
export const MAX_SCHEDULE_LIST_LIMIT = 500

const ListQuery = z.object({
  state: stateList(ScheduleState, 4).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_SCHEDULE_LIST_LIMIT).default(50),
  cursor: Cursor.optional(),
})

/** Statuses a route itself answers with; document.ts adds the generic ones (400, 401, 403, 413, …). */
const problem = { 404: ProblemBody, 409: ProblemBody, 503: ProblemBody }
const tags = ['schedules']
const schema = <T extends object>(operationId: string, summary: string, rest: T) => ({
  operationId,
  summary,
  tags,
  ...rest,
})

// Named bodies and lists: components of the OpenAPI document (routes/openapi/), types of the client.
const CreateScheduleBody = CreateScheduleInput.meta({
  id: 'ScheduleInput',
  description: 'A schedule (SPEC §6)',
})
const PatchScheduleBody = PatchScheduleInput.meta({ id: 'SchedulePatch', description: 'Fields to change' })
const StopBody = StopScheduleInput.default({ mode: 'graceful' }).meta({
  id: 'ScheduleStopInput',
  description: 'May be left out: a graceful stop',
})
const ScheduleList = z
  .object({ items: z.array(ScheduleView), nextCursor: z.string().nullable() })
  .meta({ id: 'ScheduleList', description: 'A page of schedules, newest first' })

// Where SPEC §6 is silent, these descriptions are the contract (shown in /docs and openapi.json).
const CREATE_DOC = `The first run: without startAt, one interval after creation (like setInterval), or the next cron
time; with startAt, at startAt (fixed-rate grids are anchored there). A daemon starts at once (or at startAt).
The job template is checked against its type now: an unknown type or bad params is a 400 naming body.job.…`
const TRIGGER_DOC = `Fires now, also while paused (pausing stops the clock, not the operator); not once stopping or
stopped, nor when maxRuns is spent (409). The overlap policy applies: skip → 409 with the run in the way;
replace → that run is cancelled; queue → 202, the run starts when the active one ends (409 if one is already
queued). A daemon keeps one run at a time: unless its overlap is replace, a running daemon answers 409.
A manual run counts in runCount (and toward maxRuns).`
const PATCH_DOC = `Fields given replace the stored ones (trigger and job whole). A new trigger, startAt, endAt or
maxRuns recomputes nextRunAt from now (ticks missed before the change are forgotten). A stopping or stopped
schedule is final: 409; create a new one instead.`
const STOP_DOC = `mode graceful (default): runs get stopSignal; 202 with state stopping until they end, then stopped.
immediate: runs are cancelled and the state is stopped at once (200). Stopping a stopped schedule is a 409.`

/** `/v1/schedules…` (SPEC §5): thin adapters over ScheduleService; errors map in problem.ts. */
export const schedulesRoutes: FastifyPluginAsyncZod<{ schedules: ScheduleService }> = async (
  app,
  { schedules },
) => {
  const view = async (s: ScheduleRecord) =>
    toScheduleView(s, (await schedules.activeJobIds([s.id])).get(s.id) ?? [])
  const byId = { params: ScheduleIdParams }
  await app.register(scheduleTicksRoutes, { schedules })

  app.post(
    '/schedules',
    {
      schema: schema('createSchedule', 'Create a schedule (409 when the name is taken)', {
        description: CREATE_DOC,
        body: CreateScheduleBody,
        response: { 201: ScheduleView, 409: problem[409], 503: problem[503] },
      }),
    },
    async (req, reply) => {
      const s = await schedules.create(req.body)
      return reply
        .code(201)
        .header('location', `${app.prefix}/schedules/${s.id}`)
        .send(await view(s))
    },
  )

  app.get(
    '/schedules',
    {
      schema: schema('listSchedules', 'List schedules, newest first', {
        querystring: ListQuery,
        response: { 200: ScheduleList, 503: problem[503] },
      }),
    },
    async (req) => {
      const { state, limit, cursor } = req.query
      const beforeId = cursor === undefined ? undefined : (decodeCursor(cursor) ?? undefined)
      const rows = await schedules.list({ states: state, limit: limit + 1, beforeId })
      const page = rows.slice(0, limit)
      const active = await schedules.activeJobIds(page.map((s) => s.id))
      const last = page.at(-1)
      return {
        items: page.map((s) => toScheduleView(s, active.get(s.id) ?? [])),
        nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null,
      }
    },
  )

  app.get(
    '/schedules/:id',
    {
      schema: schema('getSchedule', 'Get one schedule', {
        ...byId,
        response: { 200: ScheduleView, 404: problem[404], 503: problem[503] },
      }),
    },
    async (req) => view(await schedules.get(req.params.id)),
  )

  app.patch(
    '/schedules/:id',
    {
      schema: schema(
        'updateSchedule',
        'Change a schedule (a new trigger or window recomputes nextRunAt; 409 once stopped)',
        {
          description: PATCH_DOC,
          ...byId,
          body: PatchScheduleBody,
          response: { 200: ScheduleView, ...problem },
        },
      ),
    },
    async (req) => view(await schedules.patch(req.params.id, req.body)),
  )

  app.post(
    '/schedules/:id/pause',
    {
      schema: schema('pauseSchedule', 'Pause firing; runs in progress go on', {
        ...byId,
        response: { 200: ScheduleView, ...problem },
      }),
    },
    async (req) => view(await schedules.pause(req.params.id)),
  )

  app.post(
    '/schedules/:id/resume',
    {
      schema: schema('resumeSchedule', 'Resume firing; ticks missed while paused follow catchUp', {
        ...byId,
        response: { 200: ScheduleView, ...problem },
      }),
    },
    async (req) => view(await schedules.resume(req.params.id)),
  )

  app.post(
    '/schedules/:id/trigger',
    {
      schema: schema(
        'triggerSchedule',
        'Fire now: 201 with the run, 202 when queued behind the active run, 409 when skipped',
        {
          description: TRIGGER_DOC,
          ...byId,
          response: {
            201: z
              .object({ job: JobView, queued: z.literal(false) })
              .meta({ id: 'TriggeredRun', description: 'The run made now' }),
            202: z
              .object({ job: z.null(), queued: z.literal(true) })
              .meta({ id: 'QueuedRun', description: 'The run starts when the active one ends' }),
            ...problem,
          },
        },
      ),
    },
    async (req, reply) => {
      const result = await schedules.trigger(req.params.id)
      if (result.queued) return reply.code(202).send({ job: null, queued: true as const })
      return reply.code(201).send({ job: toJobView(result.job), queued: false as const })
    },
  )

  app.post(
    '/schedules/:id/stop',
    {
      schema: schema(
        'stopSchedule',
        'Stop for good: 200 stopped, 202 stopping (graceful, runs finishing), 409 already stopped',
        {
          description: STOP_DOC,
          ...byId,
          body: StopBody,
          response: { 200: ScheduleView, 202: ScheduleView, ...problem },
        },
      ),
      // Fastify validates a missing body as null, which no default replaces: a bare POST means defaults.
      preValidation: async (req) => {
        req.body ??= { mode: 'graceful' }
      },
    },
    async (req, reply) => {
      const { schedule, accepted } = await schedules.stop(req.params.id, req.body.mode)
      return reply.code(accepted ? 202 : 200).send(await view(schedule))
    },
  )

  app.delete(
    '/schedules/:id',
    {
      schema: schema('deleteSchedule', 'Stop at once and delete; its runs stay as jobs', {
        ...byId,
        response: { 204: z.undefined(), 404: problem[404], 503: problem[503] },
      }),
    },
    async (req, reply) => {
      await schedules.delete(req.params.id)
      return reply.code(204).send()
    },
  )
}
