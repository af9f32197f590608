import fc from 'fast-check'
import { garbageBody, garbageQuery, garbageSegment, jsonHeaders, METHODS } from './garbage.ts'
import {
  idempotentCreate,
  poolRef,
  schedulePoolRef,
  validBatch,
  validCancel,
  validJobInput,
  validListQuery,
  validLogsQuery,
  validWait,
} from './job-bodies.ts'
import { asText, nastyValue, nearly } from './mutate.ts'
import {
  validScheduleInput,
  validScheduleListQuery,
  validSchedulePatch,
  validStop,
} from './schedule-bodies.ts'
import { schemaArbitrary } from './schema-arbitrary.ts'

/** One generated request; `@pool:N` / `@cursor:N` placeholders are filled in when it is sent. */
export interface Plan {
  /** `METHOD /url/:pattern` of the route it was made for, or `garbage`. */
  route: string
  kind: 'valid' | 'nearly' | 'garbage'
  method: string
  /** Path with `:param` and `*` already replaced. */
  path: string
  query: [string, string][] | string
  headers: Record<string, string>
  body?: { json: unknown } | { raw: string | Uint8Array }
  /** Who sends it (send.ts): no token, a wrong one, a read or a write token; unset sends `headers` as is. */
  auth?: 'none' | 'wrong' | 'read' | 'write'
}

type Node = Record<string, unknown>
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v)

const paramValue = (ref: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 5, arbitrary: ref }, { weight: 3, arbitrary: garbageSegment })

/** The route's pattern with each `:param` (a known job or schedule id, or garbage) and `*` filled in. */
function pathFor(url: string): fc.Arbitrary<string> {
  const parts = url.split('/')
  const id = paramValue(url.startsWith('/v1/schedules/') ? schedulePoolRef : poolRef)
  return fc
    .tuple(...parts.map((p) => (p.startsWith(':') ? id : p === '*' ? garbageSegment : fc.constant(p))))
    .map((segments) => segments.join('/'))
}

interface Known {
  body?: fc.Arbitrary<unknown>
  query?: fc.Arbitrary<[string, string][]>
  /** Applied after any mutation, to keep one request from taking long. */
  bound?: (body: unknown) => unknown
  /** Valid requests that need a matching header and body. */
  idempotent?: fc.Arbitrary<{ key: string; body: unknown }>
  /** Share of requests, instead of 8 for a known route. */
  weight?: number
}

/**
 * A wait names real jobs that may never finish (scheduled a day out), so a mutation that drops
 * `timeoutMs` would wait the default 30 s: keep every wait on real ids short.
 */
const shortWait = (body: unknown) => {
  if (!isNode(body)) return body
  const t = body.timeoutMs
  const waitsLong = t === undefined || (typeof t === 'number' && t > 20 && t <= 600_000)
  return waitsLong ? { ...body, timeoutMs: 20 } : body
}

/** What the fuzzer knows about the jobs and schedules routes beyond their JSON Schema (SPEC §5). */
const KNOWN: Record<string, Known> = {
  'POST /v1/jobs': { body: validJobInput, idempotent: idempotentCreate },
  'POST /v1/jobs/batch': { body: validBatch },
  'POST /v1/jobs/wait': { body: validWait, bound: shortWait },
  'POST /v1/jobs/:id/cancel': { body: validCancel },
  'GET /v1/jobs': { query: validListQuery },
  'GET /v1/jobs/:id/logs': { query: validLogsQuery },
  // Creates outweigh stops, so schedules to act on keep coming: a stopped one only answers 409.
  'POST /v1/schedules': { body: validScheduleInput, weight: 12 },
  'GET /v1/schedules': { query: validScheduleListQuery },
  'PATCH /v1/schedules/:id': { body: validSchedulePatch },
  'POST /v1/schedules/:id/stop': { body: validStop, weight: 3 },
}

/** The OpenAPI operation of a route, if the document has one. */
function operation(doc: Node, method: string, url: string): Node | undefined {
  const paths = isNode(doc.paths) ? doc.paths : {}
  const item = paths[url.replace(/:(\w+)/g, '{$1}')]
  const op = isNode(item) ? item[method.toLowerCase()] : undefined
  return isNode(op) ? op : undefined
}

function bodySchema(op: Node | undefined): unknown {
  const body = isNode(op?.requestBody) ? op.requestBody : undefined
  const content = isNode(body?.content) ? body.content : undefined
  const json = isNode(content?.['application/json']) ? content['application/json'] : undefined
  return json?.schema
}

function queryFromSchema(op: Node | undefined, doc: Node): fc.Arbitrary<[string, string][]> {
  const params = (Array.isArray(op?.parameters) ? op.parameters : []).filter(
    (p) => isNode(p) && p.in === 'query',
  )
  const entries = params.map((p) => [String(p.name), schemaArbitrary(p.schema, doc)] as const)
  if (entries.length === 0) return fc.constant([])
  return fc
    .record(Object.fromEntries(entries), { requiredKeys: [] })
    .map((q) =>
      Object.entries(q).flatMap(([k, v]) =>
        (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, asText(x)]),
      ),
    )
}

/**
 * Requests for one registered route: valid, one-field-wrong, and garbage, in 4:4:2. Routes with
 * domain generators (jobs) weigh 8, others in the OpenAPI document 4, the rest (Swagger UI
 * assets, HEAD twins) 1.
 */
export function routePlan(
  route: { method: string; url: string },
  doc: Node,
): { weight: number; arbitrary: fc.Arbitrary<Plan> } {
  const key = `${route.method} ${route.url}`
  const op = operation(doc, route.method, route.url)
  const schema = bodySchema(op)
  const known = KNOWN[key]
  const validBody: fc.Arbitrary<unknown> | undefined =
    known?.body && schema !== undefined
      ? fc.oneof({ weight: 3, arbitrary: known.body }, { weight: 1, arbitrary: schemaArbitrary(schema, doc) })
      : (known?.body ?? (schema === undefined ? undefined : schemaArbitrary(schema, doc)))
  const validQuery = known?.query ?? queryFromSchema(op, doc)
  // Valid requests use the route's method; the others sometimes another (404, or another route).
  const base = {
    route: fc.constant(key),
    method: fc.constant(route.method),
    path: pathFor(route.url),
    query: validQuery,
  }
  const method = fc.oneof({ weight: 12, arbitrary: fc.constant(route.method) }, fc.constantFrom(...METHODS))
  const toBody = (json: unknown) => (json === undefined ? undefined : { json })
  const bound = known?.bound ?? ((b: unknown) => b)
  const contentType: Record<string, string> = validBody ? { 'content-type': 'application/json' } : {}
  const plain = fc.record({
    ...base,
    kind: fc.constant('valid' as const),
    headers: fc.constant(contentType),
    body: (validBody ?? fc.constant(undefined)).map(toBody),
  })
  const idempotent = known?.idempotent
    ? fc.record({ ...base, pair: known.idempotent }).map(({ pair, ...rest }) => ({
        ...rest,
        kind: 'valid' as const,
        headers: { ...contentType, 'idempotency-key': pair.key },
        body: toBody(pair.body),
      }))
    : undefined
  const valid = idempotent
    ? fc.oneof({ weight: 3, arbitrary: plain }, { weight: 1, arbitrary: idempotent })
    : plain
  const nearlyQuery = validQuery.chain((q) =>
    q.length === 0
      ? garbageQuery
      : fc
          .tuple(fc.nat(), nastyValue)
          .map(([i, v]) => q.map((e, j): [string, string] => (j === i % q.length ? [e[0], asText(v)] : e))),
  )
  const nearlyValid = fc.record({
    ...base,
    method,
    kind: fc.constant('nearly' as const),
    query: fc.oneof(validQuery, nearlyQuery),
    headers: jsonHeaders,
    body: validBody ? nearly(validBody).map(bound).map(toBody) : fc.constant(undefined),
  })
  const garbage = fc.record({
    ...base,
    method,
    kind: fc.constant('garbage' as const),
    query: fc.oneof(validQuery, garbageQuery),
    headers: jsonHeaders,
    body: fc.option(garbageBody, { nil: undefined }),
  })
  return {
    weight: known ? (known.weight ?? 8) : op ? 4 : 1,
    arbitrary: fc.oneof(
      { weight: 4, arbitrary: valid },
      { weight: 4, arbitrary: nearlyValid },
      { weight: 2, arbitrary: garbage },
    ),
  }
}
