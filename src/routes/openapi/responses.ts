/**
 * The problem responses of the document, shared by every operation as `components.responses`:
 * what problem.ts, auth.ts, json-body.ts and rate-limit.ts send, and when.
 */
export const PROBLEM_RESPONSES: Record<
  number,
  { name: string; description: string; headers?: Record<string, unknown> }
> = {
  400: {
    name: 'BadRequest',
    description:
      'The request is invalid; `errors` names each offending field (`body.retry.maxAttempts`, `querystring.limit`, …)',
  },
  401: {
    name: 'Unauthorized',
    description: 'With JOBVISOR_TOKENS set: no bearer token, or one that is not valid',
    headers: {
      'WWW-Authenticate': {
        description: 'Bearer challenge (RFC 6750)',
        schema: { type: 'string', pattern: '^Bearer realm="jobvisor"' },
        required: true,
      },
    },
  },
  403: { name: 'Forbidden', description: 'A read token on a route (or option) that needs a write token' },
  404: {
    name: 'NotFound',
    description: 'No such job or schedule (or, for a wait, one of the ids is unknown)',
  },
  409: {
    name: 'Conflict',
    description:
      'The resource is in a state that does not allow this; `job` holds the job when one is involved',
  },
  413: {
    name: 'ContentTooLarge',
    description: 'The body is larger than JOBVISOR_BODY_LIMIT (default 1 MiB)',
  },
  415: { name: 'UnsupportedMediaType', description: 'The body is not `application/json`' },
  422: { name: 'UnprocessableContent', description: 'The Idempotency-Key was used before with another body' },
  429: {
    name: 'TooManyRequests',
    description: 'With JOBVISOR_RATE_LIMIT set: more requests per minute than it allows from this token',
    headers: {
      'Retry-After': {
        description: 'Seconds until the budget refills',
        schema: { type: 'integer', minimum: 0 },
      },
    },
  },
  503: {
    name: 'Unavailable',
    description:
      'Draining, the queue full (JOBVISOR_MAX_QUEUED), all event streams in use, or the store unavailable',
    headers: {
      'Retry-After': {
        description: 'Seconds to wait before trying again',
        schema: { type: 'integer', minimum: 0 },
        required: true,
      },
    },
  },
}

export const problemResponseName = (status: number) => PROBLEM_RESPONSES[status]?.name ?? `Problem${status}`

export function problemResponse(status: number) {
  const { description, headers } = PROBLEM_RESPONSES[status] ?? { description: 'Error' }
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  }
}

const SUCCESS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted: the change is under way',
  204: 'No Content',
  503: 'Unavailable',
}
export const successDescription = (status: number) => SUCCESS[status] ?? `Status ${status}`
