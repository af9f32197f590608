import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  CreateScheduleInput,
  PatchScheduleInput,
  ScheduleState,
  StopScheduleInput,
} from '../scheduler/input.ts'
import type { ScheduleService } from '../scheduler/schedules.ts'
import type { ScheduleRecord } from '../store/schedule-store.ts'
import { ScheduleIdParams, ScheduleView, toScheduleView } from './schedule-schemas.ts'
import { Cursor, decodeCursor, encodeCursor, JobView, ProblemBody, toJobView } from './schemas.ts'

/** SPEC §5 list limit (QUALITY S6: every size is bounded). */
export const MAX_SCHEDULE_LIST_LIMIT = 500

const ListQuery = z.object({
  state: z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(ScheduleState).max(4))
    .optional()
    .describe('Comma-separated states, e.g. `active,paused`'),
  limit: z.coerce.number().int().min(1).max(MAX_SCHEDULE_LIST_LIMIT).default(50),
  cursor: Cursor.optional(),
})

const problems = { 400: ProblemBody, 404: ProblemBody, 409: ProblemBody, 503: ProblemBody }
const tags = ['schedules']
const schema = <T extends object>(summary: string, rest: T) => ({ summary, tags, ...rest })

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

  app.post(
    '/schedules',
    {
      schema: schema('Create a schedule (409 when the name is taken)', {
        description: CREATE_DOC,
        body: CreateScheduleInput,
        response: { 201: ScheduleView, ...problems },
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
      schema: schema('List schedules, newest first', {
        querystring: ListQuery,
        response: {
          200: z.object({ items: z.array(ScheduleView), nextCursor: z.string().nullable() }),
          ...problems,
        },
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
    { schema: schema('Get one schedule', { ...byId, response: { 200: ScheduleView, ...problems } }) },
    async (req) => view(await schedules.get(req.params.id)),
  )

  app.patch(
    '/schedules/:id',
    {
      schema: schema('Change a schedule (a new trigger or window recomputes nextRunAt; 409 once stopped)', {
        description: PATCH_DOC,
        ...byId,
        body: PatchScheduleInput,
        response: { 200: ScheduleView, ...problems },
      }),
    },
    async (req) => view(await schedules.patch(req.params.id, req.body)),
  )

  app.post(
    '/schedules/:id/pause',
    {
      schema: schema('Pause firing; runs in progress go on', {
        ...byId,
        response: { 200: ScheduleView, ...problems },
      }),
    },
    async (req) => view(await schedules.pause(req.params.id)),
  )

  app.post(
    '/schedules/:id/resume',
    {
      schema: schema('Resume firing; ticks missed while paused follow catchUp', {
        ...byId,
        response: { 200: ScheduleView, ...problems },
      }),
    },
    async (req) => view(await schedules.resume(req.params.id)),
  )

  app.post(
    '/schedules/:id/trigger',
    {
      schema: schema('Fire now: 201 with the run, 202 when queued behind the active run, 409 when skipped', {
        description: TRIGGER_DOC,
        ...byId,
        response: {
          201: z.object({ job: JobView }),
          202: z.object({ job: z.null(), queued: z.literal(true) }),
          ...problems,
        },
      }),
    },
    async (req, reply) => {
      const result = await schedules.trigger(req.params.id)
      if (result.queued) return reply.code(202).send({ job: null, queued: true as const })
      return reply.code(201).send({ job: toJobView(result.job) })
    },
  )

  app.post(
    '/schedules/:id/stop',
    {
      schema: schema(
        'Stop for good: 200 stopped, 202 stopping (graceful, runs finishing), 409 already stopped',
        {
          description: STOP_DOC,
          ...byId,
          body: StopScheduleInput.default({ mode: 'graceful' }),
          response: { 200: ScheduleView, 202: ScheduleView, ...problems },
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
      schema: schema('Stop at once and delete; its runs stay as jobs', {
        ...byId,
        response: { 204: z.undefined(), ...problems },
      }),
    },
    async (req, reply) => {
      await schedules.delete(req.params.id)
      return reply.code(204).send()
    },
  )
}
