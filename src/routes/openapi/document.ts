import type { JobTypeRegistry } from '../../jobs/registry.ts'
import { UNLIMITED } from '../rate-limit.ts'
import { jobTypeComponents } from './job-type-schemas.ts'
import { type JsonSchema, nameComponents, rewriteRefs } from './json-schema.ts'
import { PROBLEM_RESPONSES, problemResponse, problemResponseName, successDescription } from './responses.ts'
import type { RouteFacts } from './transform.ts'

interface Operation {
  operationId?: string
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> }
  responses?: Record<string, Response>
  [key: string]: unknown
}
interface Response {
  $ref?: string
  description?: string
  headers?: Record<string, unknown>
  content?: Record<string, { schema?: JsonSchema }>
}
export interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>
  components?: {
    schemas?: Record<string, JsonSchema>
    responses?: Record<string, unknown>
    [key: string]: unknown
  }
  [key: string]: unknown
}

/** Operations whose 201 carries `Location: <the created resource>`. */
const LOCATION_ON_201 = new Set(['createJob', 'createSchedule'])

const RETRY_AFTER = {
  description: 'Seconds to wait before trying again',
  schema: { type: 'integer', minimum: 0 },
}
const LOCATION = {
  description: 'Path of the created resource',
  schema: { type: 'string', pattern: '^/v1/' },
  required: true,
}

/**
 * Finishes the document @fastify/swagger built from the routes, so that it says what the server
 * does (the typed client and the conformance test rely on it):
 * - components named once, after what they are (json-schema.ts), job inputs per job type;
 * - every error a problem document (`application/problem+json`, RFC 9457), as problem.ts sends it;
 * - the statuses no route declares but every route can answer: 400 on any input, 401/403 with
 *   tokens, 413/415 on a body, 429 with JOBVISOR_RATE_LIMIT, 503 on store faults and draining;
 * - Location and Retry-After headers, and bodies that may be left out marked optional.
 */
export function finishDocument(
  doc: OpenApiDocument,
  input: {
    facts: ReadonlyMap<string, RouteFacts>
    components: ReadonlyMap<string, JsonSchema>
    registry?: JobTypeRegistry
  },
): OpenApiDocument {
  const { schemas, rename } = nameComponents(input.components)
  if (input.registry) Object.assign(schemas, jobTypeComponents(input.registry, schemas))
  const paths = rewriteRefs(doc.paths ?? {}, rename) as NonNullable<OpenApiDocument['paths']>
  const usedProblems = new Set<number>()
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      const facts = input.facts.get(`${method} ${path}`)
      finishOperation(path, op, facts, usedProblems)
    }
  }
  const responses = Object.fromEntries(
    [...usedProblems].sort().map((status) => [problemResponseName(status), problemResponse(status)]),
  )
  return {
    ...doc,
    paths,
    components: { ...doc.components, schemas: { ...doc.components?.schemas, ...schemas }, responses },
  }
}

function finishOperation(
  path: string,
  op: Operation,
  facts: RouteFacts | undefined,
  usedProblems: Set<number>,
): void {
  const responses = op.responses ?? {}
  const declared = new Set(Object.keys(responses).map(Number))
  const add = (status: number, when: boolean) => {
    if (when) declared.add(status)
  }
  if (facts) {
    add(400, facts.hasInput)
    add(401, facts.access !== 'open')
    // A read token is refused on write routes; wait (access read) refuses cancelPending (jobs-wait.ts).
    add(403, facts.access === 'write' || op.operationId === 'waitForJobs')
    add(413, facts.hasBody)
    add(415, facts.hasBody)
    // JOBVISOR_RATE_LIMIT spares the probes only (rate-limit.ts).
    add(429, !UNLIMITED.has(path))
  }
  const finished: Record<string, Response> = {}
  for (const status of [...declared].sort((a, b) => a - b)) {
    const given = responses[String(status)]
    if (isProblemStatus(status, given)) {
      usedProblems.add(status)
      finished[String(status)] = { $ref: `#/components/responses/${problemResponseName(status)}` }
      continue
    }
    const response: Response = { ...given }
    if (!response.description || response.description === 'Default Response')
      response.description = successDescription(status)
    if (status === 503) response.headers = { ...response.headers, 'Retry-After': RETRY_AFTER }
    if (status === 201 && LOCATION_ON_201.has(op.operationId ?? ''))
      response.headers = { ...response.headers, Location: LOCATION }
    finished[String(status)] = response
  }
  op.responses = finished
  if (facts?.bodyOptional && op.requestBody) op.requestBody.required = false
}

/** Errors the server sends as problem documents: a declared Problem body, or a status added above. */
function isProblemStatus(status: number, given: Response | undefined): boolean {
  if (status < 400 || !(status in PROBLEM_RESPONSES)) return false
  if (given === undefined) return true
  const schema = given.content?.['application/json']?.schema
  return schema?.$ref === '#/components/schemas/Problem'
}
