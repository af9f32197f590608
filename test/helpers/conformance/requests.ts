import fc from 'fast-check'
import { arbitraryFor, isNode, mutated, type Node, resolve } from './arbitrary.ts'
import type { Contract, Operation } from './contract.ts'

/** valid: every part valid by the document; invalid: exactly one part is not. */
export type Kind = 'valid' | 'invalid'

/** One generated request; `{id}` is filled from the pool of real ids when sent (`pick`). */
export interface Plan {
  op: Operation
  kind: Kind
  /** Index into the pool for each path parameter, or a literal value. */
  path: Record<string, { pick: number } | { literal: string }>
  query: [string, string][]
  headers: Record<string, string>
  body?: { json: unknown } | { raw: string; contentType: string }
}

interface Parameter {
  name: string
  in: 'path' | 'query' | 'header'
  required?: boolean
  schema: Node
}

const parameters = (op: Operation, where: Parameter['in']) =>
  (Array.isArray(op.node.parameters) ? (op.node.parameters as Parameter[]) : []).filter((p) => p.in === where)

const bodySchema = (op: Operation, contract: Contract): Node | undefined => {
  const body = isNode(op.node.requestBody) ? resolve(op.node.requestBody, contract.doc) : undefined
  const media = isNode(body?.content) ? (body.content as Node)['application/json'] : undefined
  return isNode(media) ? (media.schema as Node) : undefined
}

const asText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v))
const toQuery = (values: Record<string, unknown>): [string, string][] =>
  Object.entries(values).flatMap(([k, v]) =>
    Array.isArray(v) ? v.map((x): [string, string] => [k, asText(x)]) : [[k, asText(v)]],
  )

/**
 * Test-side bounds on valid requests, still valid: a wait on real ids would otherwise hold its
 * default 30 s, and waits mostly name ids of the pool so some of them succeed.
 */
function bounded(op: Operation, body: unknown, poolIds: string[]): unknown {
  if (op.id !== 'waitForJobs' || !isNode(body)) return body
  const ids =
    Array.isArray(body.ids) && poolIds.length > 0 ? [...new Set(poolIds.slice(0, body.ids.length))] : body.ids
  return { ...body, ids, timeoutMs: Math.min(Number(body.timeoutMs ?? 0) || 0, 20) }
}

/** Requests for one operation: valid ones (every part valid by the document) and one-part-wrong ones. */
export function plansFor(op: Operation, contract: Contract, poolIds: () => string[]): fc.Arbitrary<Plan> {
  const valid = (schema: unknown) =>
    arbitraryFor(schema, contract.doc).filter((v) => contract.isValid(schema, v))
  const invalid = (schema: unknown) =>
    valid(schema)
      .chain(mutated)
      .filter((v) => v !== undefined && !contract.isValid(schema, v))

  const pathParams = parameters(op, 'path')
  const queryParams = parameters(op, 'query')
  const headerParams = parameters(op, 'header')
  const schema = bodySchema(op, contract)
  const optionalBody = isNode(op.node.requestBody) && op.node.requestBody.required === false

  const path = fc.record(
    Object.fromEntries(
      pathParams.map((p) => [
        p.name,
        fc.oneof(
          { weight: 4, arbitrary: fc.nat().map((pick) => ({ pick })) },
          { weight: 1, arbitrary: valid(p.schema).map((v) => ({ literal: String(v) })) },
        ),
      ]),
    ),
  )
  const record = (params: Parameter[]) =>
    fc.record(Object.fromEntries(params.map((p) => [p.name, valid(p.schema)])), {
      requiredKeys: params.filter((p) => p.required).map((p) => p.name),
    })
  const query = record(queryParams).map(toQuery)
  const headers = record(headerParams).map((h) =>
    Object.fromEntries(Object.entries(h).map(([k, v]) => [k, asText(v)])),
  )
  const body =
    schema === undefined
      ? fc.constant(undefined)
      : fc.oneof(
          { weight: optionalBody ? 1 : 0, arbitrary: fc.constant(undefined) },
          { weight: 4, arbitrary: valid(schema).map((json) => ({ json: bounded(op, json, poolIds()) })) },
        )
  const base = fc.record({ path, query, headers, body })
  const validPlan = base.map((b): Plan => ({ op, kind: 'valid', ...b, body: b.body ?? undefined }))

  // Invalid: exactly one part breaks its schema.
  const wrongs: fc.Arbitrary<Partial<Plan>>[] = []
  for (const p of pathParams)
    wrongs.push(
      invalid(p.schema)
        .filter((v) => typeof v === 'string' && v.length > 0)
        .map((v) => ({ path: { [p.name]: { literal: String(v) } } })),
    )
  for (const p of queryParams)
    wrongs.push(
      fc
        .constantFrom('abc', '-1', '1.5', 'x'.repeat(600), '99999999999')
        .filter((v) => !contract.isValid(p.schema, coerce(p.schema, v)))
        .map((v) => ({ query: [[p.name, v]] as [string, string][] })),
    )
  if (schema !== undefined) {
    wrongs.push(invalid(schema).map((json) => ({ body: { json: bounded(op, json, []) } })))
    wrongs.push(
      fc
        .constantFrom('{', '[1,', '{"a":}', 'nul')
        .map((raw) => ({ body: { raw, contentType: 'application/json' } })),
    )
  }
  const invalidPlan =
    wrongs.length === 0
      ? undefined
      : fc.tuple(validPlan, fc.oneof(...wrongs)).map(
          ([plan, wrong]): Plan => ({
            ...plan,
            ...wrong,
            path: { ...plan.path, ...wrong.path },
            kind: 'invalid',
          }),
        )
  return invalidPlan ? fc.oneof(validPlan, invalidPlan) : validPlan
}

/** A query value as the server reads it: numbers coerced, like zod's `z.coerce.number()`. */
function coerce(schema: Node, text: string): unknown {
  const type = schema.type
  if ((type === 'integer' || type === 'number') && text.trim() !== '' && !Number.isNaN(Number(text)))
    return Number(text)
  if (type === 'array') return [text]
  return text
}
