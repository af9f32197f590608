import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import {
  IdempotencyConflictError,
  InvalidJobInputError,
  JobError,
  JobNotFoundError,
  JobStateConflictError,
  UnavailableError,
} from '../jobs/errors.ts'
import type { JobRecord } from '../model/job.ts'
import {
  InvalidScheduleInputError,
  ScheduleNameTakenError,
  ScheduleNotFoundError,
  ScheduleOverlapError,
  ScheduleStateConflictError,
} from '../scheduler/errors.ts'
import { faultReason, isStorageFault } from '../store/errors.ts'
import { toJobView } from './schemas.ts'

export interface FieldIssue {
  path: string
  message: string
}

/** Domain errors from other modules (scheduler, auth) register their mapping here by code. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly errors?: FieldIssue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail)
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

/**
 * SPEC §8 slow clients: a refused request's body is not worth reading, and reading it is what a
 * client trickling a large body counts on. `Connection: close` makes Node end the socket once the
 * answer is out, instead of draining the rest of the body to keep the connection alive.
 */
const CLOSES_CONNECTION = new Set([401, 403, 413])

export function sendProblem(
  reply: FastifyReply,
  status: number,
  detail: string,
  extra: { errors?: FieldIssue[]; job?: JobRecord; headers?: Record<string, string>; title?: string } = {},
): FastifyReply {
  for (const [name, value] of Object.entries(extra.headers ?? {})) reply.header(name, value)
  if (CLOSES_CONNECTION.has(status)) reply.header('connection', 'close')
  return reply
    .code(status)
    .type('application/problem+json')
    .serializer(JSON.stringify)
    .send({
      type: 'about:blank',
      title: extra.title ?? TITLES[status] ?? 'Error',
      status,
      detail,
      ...(extra.errors ? { errors: extra.errors } : {}),
      ...(extra.job ? { job: toJobView(extra.job) } : {}),
    })
}

/** Retry-After of a storage fault: the store's probe looks again within 5 s at most (store/health.ts). */
const STORAGE_RETRY_AFTER_S = 2

/** `/body/retry/maxAttempts` in `body` → `body.retry.maxAttempts`. */
const fieldPath = (context: string | undefined, instancePath: string) =>
  [context ?? 'body', ...instancePath.split('/').filter(Boolean)].join('.')

/** The request part at fault in Fastify's own client errors, so they name a field like ours do. */
const FASTIFY_FIELDS: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'body',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'headers.content-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'headers.content-length',
}

/** The only place that maps errors to HTTP (STYLE §G). 5xx details are hidden and logged. */
export function problemHandler(
  this: FastifyInstance,
  err: FastifyError,
  req: FastifyRequest,
  reply: FastifyReply,
) {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const errors = err.validation.map((v) => ({
      path: fieldPath(err.validationContext, v.instancePath),
      message: v.message ?? 'invalid',
    }))
    return sendProblem(reply, 400, errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors })
  }
  if (err instanceof HttpProblem) {
    return sendProblem(reply, err.status, err.message, {
      errors: err.errors,
      headers: err.headers,
      title: err.title,
    })
  }
  if (err instanceof InvalidJobInputError) {
    const errors = err.issues.map((i) => ({ path: `body.${i.path}`, message: i.message }))
    return sendProblem(reply, 400, errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors })
  }
  if (err instanceof JobNotFoundError) return sendProblem(reply, 404, err.message)
  if (err instanceof JobStateConflictError)
    return sendProblem(reply, 409, err.message, { job: err.job as JobRecord })
  if (err instanceof IdempotencyConflictError) {
    return sendProblem(reply, 422, err.message, {
      errors: [{ path: 'headers.idempotency-key', message: err.message }],
    })
  }
  if (err instanceof UnavailableError) {
    return sendProblem(reply, 503, err.message, { headers: { 'retry-after': String(err.retryAfterSeconds) } })
  }
  if (err instanceof JobError) return sendProblem(reply, 400, err.message)
  const scheduleProblem = scheduleErrorProblem(err)
  if (scheduleProblem) return sendProblem(reply, scheduleProblem.status, err.message, scheduleProblem.extra)
  // SPEC §8 storage faults: never a bare 500; the service heals once the store writes again.
  if (isStorageFault(err)) {
    req.log.warn({ reason: faultReason(err) }, 'request refused: the store is unavailable')
    // The cause (paths, driver messages) is for the operator's log, not for every client.
    return sendProblem(reply, 503, 'the job store cannot be used right now; retry later', {
      headers: { 'retry-after': String(STORAGE_RETRY_AFTER_S) },
    })
  }
  // Fastify's own client errors: malformed JSON, body too large, wrong content type, …
  const status = err.statusCode
  if (status !== undefined && status >= 400 && status < 500) {
    const path = FASTIFY_FIELDS[err.code]
    return sendProblem(reply, status, err.message, path ? { errors: [{ path, message: err.message }] } : {})
  }
  req.log.error({ err }, 'request failed')
  return sendProblem(reply, 500, 'the server failed to handle this request; see its log')
}

/** Fastify's `frameworkErrors`: router failures (bad percent-encoding → 400). */
export function frameworkErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const status = err.statusCode ?? 500
  if (status < 500) return sendProblem(reply, status, err.message)
  req.log.error({ err }, 'request failed')
  return sendProblem(reply, 500, 'the server failed to handle this request; see its log')
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply) {
  return sendProblem(reply, 404, `no route for ${req.method} ${req.url.split('?')[0]}`)
}

/** Scheduler errors (scheduler/errors.ts) → status and problem extras; undefined for anything else. */
function scheduleErrorProblem(
  err: unknown,
): { status: number; extra: { errors?: FieldIssue[]; job?: JobRecord } } | undefined {
  if (err instanceof InvalidScheduleInputError)
    return {
      status: 400,
      extra: { errors: err.issues.map((i) => ({ path: `body.${i.path}`, message: i.message })) },
    }
  if (err instanceof ScheduleNotFoundError) return { status: 404, extra: {} }
  if (err instanceof ScheduleNameTakenError)
    return { status: 409, extra: { errors: [{ path: 'body.name', message: err.message }] } }
  if (err instanceof ScheduleStateConflictError) return { status: 409, extra: {} }
  // A manual trigger turned away by the overlap policy: the run still in the way is included.
  if (err instanceof ScheduleOverlapError)
    return { status: 409, extra: err.job ? { job: err.job as JobRecord } : {} }
  return undefined
}
