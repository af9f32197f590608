import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { JobEngine } from '../jobs/engine.ts'
import { CancelInput, JobInput, Name } from '../model/job-input.ts'
import { JobState } from '../model/job-state.ts'
import { stateList } from './query.ts'
import {
  Cursor,
  decodeCursor,
  encodeCursor,
  JobIdParams,
  JobView,
  LogLineView,
  ProblemBody,
  toJobView,
  toLogLineView,
} from './schemas.ts'

export const MAX_BATCH = 1000
export const MAX_LIST_LIMIT = 500

const LabelFilter = z.string().regex(/^[A-Za-z0-9._-]{1,100}:.{0,200}$/, 'expected key:value')

const ListQuery = z.object({
  state: stateList(JobState, 8).optional(),
  type: Name.optional(),
  scheduleId: z.string().max(100).optional(),
  label: z
    .union([LabelFilter, z.array(LabelFilter).max(20)])
    .optional()
    .describe('`key:value`; repeat to AND'),
  limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).default(50),
  cursor: Cursor.optional(),
})

const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    // Schedule runs use `schedule:<id>:<due>` keys for exactly-once ticks; a client must not take one over.
    .refine((key) => !key.startsWith('schedule:'), 'the prefix schedule: is reserved for schedule runs')
    .min(1)
    .max(200)
    .optional()
    .describe('A repeat returns the original job with 200'),
})

// Named bodies and lists: components of the OpenAPI document (routes/openapi/), types of the client.
const CreateJobBody = JobInput.meta({ id: 'JobInput', description: 'A job to create (SPEC §5)' })
const BatchBody = z
  .object({ jobs: z.array(CreateJobBody).min(1).max(MAX_BATCH) })
  .meta({ id: 'JobBatchInput', description: 'Up to 1000 jobs, validated all or none' })
const CancelBody = CancelInput.default({ mode: 'immediate' }).meta({
  id: 'CancelInput',
  description: 'May be left out: an immediate cancel with the configured grace',
})
const JobList = z
  .object({ items: z.array(JobView), nextCursor: z.string().nullable() })
  .meta({ id: 'JobList', description: 'A page of jobs, newest first' })
const LogPage = z
  .object({ items: z.array(LogLineView), nextAfter: z.number().int() })
  .meta({ id: 'LogPage', description: 'Log lines, oldest first; pass nextAfter as after for the next page' })
/** Statuses a route itself answers with; document.ts adds the generic ones (400, 401, 403, 413, …). */
const problem = { 404: ProblemBody, 409: ProblemBody, 503: ProblemBody }

export const jobsRoutes: FastifyPluginAsyncZod<{ engine: JobEngine }> = async (app, { engine }) => {
  app.post(
    '/jobs',
    {
      schema: {
        summary: 'Create a job',
        operationId: 'createJob',
        tags: ['jobs'],
        headers: IdempotencyHeaders,
        body: CreateJobBody,
        response: {
          201: JobView.describe('Created; Location names it'),
          200: JobView.describe('A repeat of an Idempotency-Key: the original job'),
          422: ProblemBody,
          503: ProblemBody,
        },
      },
    },
    async (req, reply) => {
      const { job, created } = await engine.create(req.body, req.headers['idempotency-key'])
      if (created) reply.code(201).header('location', `${app.prefix}/jobs/${job.id}`)
      return toJobView(job)
    },
  )

  app.post(
    '/jobs/batch',
    {
      schema: {
        summary: 'Create up to 1000 jobs, all or none',
        operationId: 'createJobs',
        tags: ['jobs'],
        body: BatchBody,
        response: {
          201: z.object({ items: z.array(JobView) }).meta({ id: 'JobBatch' }),
          503: problem[503],
        },
      },
    },
    async (req, reply) => {
      const jobs = await engine.createMany(req.body.jobs)
      return reply.code(201).send({ items: jobs.map(toJobView) })
    },
  )

  app.get(
    '/jobs',
    {
      schema: {
        summary: 'List jobs, newest first',
        operationId: 'listJobs',
        tags: ['jobs'],
        querystring: ListQuery,
        response: { 200: JobList, 503: problem[503] },
      },
    },
    async (req) => {
      const { state, type, scheduleId, label, limit, cursor } = req.query
      const labels = Object.fromEntries(
        (Array.isArray(label) ? label : label ? [label] : []).map((l) => [
          l.slice(0, l.indexOf(':')),
          l.slice(l.indexOf(':') + 1),
        ]),
      )
      const rows = await engine.list({
        states: state,
        type,
        scheduleId,
        labels,
        limit: limit + 1,
        beforeId: cursor === undefined ? undefined : (decodeCursor(cursor) ?? undefined),
      })
      const page = rows.slice(0, limit)
      const last = page.at(-1)
      return {
        items: page.map(toJobView),
        nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null,
      }
    },
  )

  app.get(
    '/jobs/:id',
    {
      schema: {
        summary: 'Get one job',
        operationId: 'getJob',
        tags: ['jobs'],
        params: JobIdParams,
        response: { 200: JobView, 404: problem[404], 503: problem[503] },
      },
    },
    async (req) => toJobView(await engine.get(req.params.id)),
  )

  app.post(
    '/jobs/:id/cancel',
    {
      schema: {
        summary: 'Cancel a job (200 cancelled now, 202 cancelling, 409 already finished)',
        operationId: 'cancelJob',
        tags: ['jobs'],
        params: JobIdParams,
        body: CancelBody,
        response: {
          200: JobView.describe('Cancelled now: it was not running'),
          202: JobView.describe('Cancelling: the handler has been told and has graceMs to settle'),
          ...problem,
        },
      },
      // Fastify validates a missing body as null, which no default replaces: a bare POST means defaults.
      preValidation: async (req) => {
        req.body ??= { mode: 'immediate' }
      },
    },
    async (req, reply) => {
      const { job, accepted } = await engine.cancel(req.params.id, req.body)
      return reply.code(accepted ? 202 : 200).send(toJobView(job))
    },
  )

  app.get(
    '/jobs/:id/logs',
    {
      schema: {
        summary: "A job's log lines, oldest first",
        operationId: 'getJobLogs',
        tags: ['jobs'],
        params: JobIdParams,
        querystring: z.object({
          after: z.coerce.number().int().min(0).default(0).describe('`nextAfter` of the previous page'),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: { 200: LogPage, 404: problem[404], 503: problem[503] },
      },
    },
    async (req) => {
      const lines = await engine.logs(req.params.id, req.query.after, req.query.limit)
      return { items: lines.map(toLogLineView), nextAfter: lines.at(-1)?.seq ?? req.query.after }
    },
  )

  app.delete(
    '/jobs/:id',
    {
      schema: {
        summary: "Delete a finished job's record (409 while it is active)",
        operationId: 'deleteJob',
        tags: ['jobs'],
        params: JobIdParams,
        response: { 204: z.undefined(), ...problem },
      },
    },
    async (req, reply) => {
      await engine.delete(req.params.id)
      return reply.code(204).send()
    },
  )
}
