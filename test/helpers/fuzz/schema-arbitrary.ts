import fc from 'fast-check'

/** A JSON Schema node as @fastify/swagger emits it (OpenAPI 3.1); only what generation needs. */
type Node = Record<string, unknown>

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

// Bounds that keep generated values small: one request stays cheap, so a run can send 10k.
const MAX_DEPTH = 5
const MAX_EXTRA_ITEMS = 3
const MAX_STRING = 40

/** Targets that fail fast: `http` jobs refuse loopback unless the operator allows it. */
export const LOOPBACK_URLS = ['http://127.0.0.1:9/', 'http://127.0.0.1:1/x?y=1', 'https://127.0.0.1/']

const smallJson = fc.jsonValue({ maxDepth: 1 })

export const isoDate = fc
  .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString())

/** Valid ISO 8601 date-times at the edges: offsets that leave years 0000-9999 once in UTC. */
export const EDGE_DATES = [
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '9999-12-31T23:59:59-23:59',
  '0000-01-01T00:00:00+23:59',
  '2024-02-29T12:00:00.123456+05:30',
]

function stringArbitrary(node: Node): fc.Arbitrary<string> {
  if (node.format === 'date-time') {
    return fc.oneof(
      { weight: 4, arbitrary: isoDate },
      { weight: 1, arbitrary: fc.constantFrom(...EDGE_DATES) },
    )
  }
  if (node.format === 'uri' || node.format === 'url') return fc.constantFrom(...LOOPBACK_URLS)
  if (typeof node.pattern === 'string') {
    try {
      const flags = node.pattern.includes('\\p{') ? 'u' : ''
      return fc.stringMatching(new RegExp(node.pattern, flags), { size: 'xsmall' })
    } catch {
      // A pattern JS cannot compile: fall through to a plain string.
    }
  }
  const minLength = typeof node.minLength === 'number' ? node.minLength : 0
  const maxLength = typeof node.maxLength === 'number' ? node.maxLength : minLength + MAX_STRING
  return fc.string({ minLength, maxLength: Math.min(maxLength, minLength + MAX_STRING) })
}

function numberArbitrary(node: Node, integer: boolean): fc.Arbitrary<number> {
  const lowest =
    typeof node.exclusiveMinimum === 'number' ? node.exclusiveMinimum + (integer ? 1 : 1e-9) : undefined
  const highest =
    typeof node.exclusiveMaximum === 'number' ? node.exclusiveMaximum - (integer ? 1 : 1e-9) : undefined
  const min = typeof node.minimum === 'number' ? node.minimum : (lowest ?? (integer ? -1000 : -1e6))
  const max = typeof node.maximum === 'number' ? node.maximum : (highest ?? (integer ? 1_000_000 : 1e6))
  const range = integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true })
  // Bounds are where validators break, so they come up often.
  return fc.oneof({ arbitrary: fc.constantFrom(min, max), weight: 1 }, { arbitrary: range, weight: 3 })
}

function objectArbitrary(node: Node, root: Node, depth: number): fc.Arbitrary<unknown> {
  const properties = isNode(node.properties) ? node.properties : {}
  const required = Array.isArray(node.required) ? node.required.filter((k) => typeof k === 'string') : []
  const model = Object.fromEntries(
    Object.entries(properties).map(([key, child]) => [key, schemaArbitrary(child, root, depth + 1)]),
  )
  const known = fc.record(model, { requiredKeys: required.filter((k) => k in model) })
  if (!isNode(node.additionalProperties)) return known
  const keys = isNode(node.propertyNames) ? stringArbitrary(node.propertyNames) : fc.string({ maxLength: 20 })
  const extra = fc.dictionary(keys, schemaArbitrary(node.additionalProperties, root, depth + 1), {
    maxKeys: MAX_EXTRA_ITEMS,
  })
  return fc.tuple(known, extra).map(([a, b]) => ({ ...b, ...a }))
}

/**
 * Values that a route's own schema accepts, or very nearly (refinements and cross-field rules
 * are not in JSON Schema). Used for routes the fuzzer knows nothing else about, so a route added
 * tomorrow is exercised past its validator without anyone writing a generator for it.
 */
export function schemaArbitrary(schema: unknown, root: Node, depth = 0): fc.Arbitrary<unknown> {
  if (!isNode(schema) || depth > MAX_DEPTH) return smallJson
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '')
    const components =
      isNode(root.components) && isNode(root.components.schemas) ? root.components.schemas : {}
    return schemaArbitrary(components[name], root, depth + 1)
  }
  if ('const' in schema) return fc.constant(schema.const)
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...schema.enum)
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key]
    if (Array.isArray(options) && options.length > 0) {
      return fc.oneof(...options.map((option) => schemaArbitrary(option, root, depth + 1)))
    }
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0)
    return schemaArbitrary(schema.allOf[0], root, depth + 1)
  if (Array.isArray(schema.type)) {
    return fc.oneof(...schema.type.map((type) => schemaArbitrary({ ...schema, type }, root, depth)))
  }
  switch (schema.type) {
    case 'null':
      return fc.constant(null)
    case 'boolean':
      return fc.boolean()
    case 'integer':
      return numberArbitrary(schema, true)
    case 'number':
      return numberArbitrary(schema, false)
    case 'string':
      return stringArbitrary(schema)
    case 'array': {
      const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0
      const maxLength = typeof schema.maxItems === 'number' ? schema.maxItems : minLength + MAX_EXTRA_ITEMS
      return fc.array(schemaArbitrary(schema.items, root, depth + 1), {
        minLength,
        maxLength: Math.min(maxLength, minLength + MAX_EXTRA_ITEMS),
      })
    }
    case 'object':
      return objectArbitrary(schema, root, depth)
    default:
      return isNode(schema.properties) ? objectArbitrary(schema, root, depth) : smallJson
  }
}
