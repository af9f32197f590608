import fc from 'fast-check'

/** A JSON Schema node of the OpenAPI document. */
export type Node = Record<string, unknown>
export const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

// Small values: a request stays cheap, and a run can send a few thousand.
const MAX_DEPTH = 6
const MAX_EXTRA_ITEMS = 3
const MAX_STRING = 30

/** Targets the `http` type refuses before connecting (loopback): no request ever leaves the machine. */
const LOOPBACK_URLS = ['http://127.0.0.1:9/', 'http://127.0.0.1:1/x?y=1', 'https://127.0.0.1/']
const isoDate = fc
  .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString())
/** Printable ASCII: anything else cannot travel in a header, and is noise in a query. */
const printable = (minLength: number, maxLength: number) =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    minLength,
    maxLength,
  })

/** Resolves `#/components/schemas/X` against the document. */
export function resolve(node: Node, doc: Node): Node {
  if (typeof node.$ref !== 'string') return node
  const target = node.$ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((at, key) => (isNode(at) ? at[key] : undefined), doc)
  const { $ref: _ref, ...siblings } = node
  return isNode(target) ? resolve({ ...target, ...siblings }, doc) : siblings
}

/** A branch of oneOf/anyOf/allOf with the keywords beside it (`{properties, oneOf: [{required}]}`). */
function merge(base: Node, branch: Node): Node {
  const union = (a: unknown, b: unknown) => [
    ...new Set([...(Array.isArray(a) ? a : []), ...(Array.isArray(b) ? b : [])]),
  ]
  return {
    ...base,
    ...branch,
    ...(base.properties || branch.properties
      ? { properties: { ...(base.properties as Node), ...(branch.properties as Node) } }
      : {}),
    ...(base.required || branch.required ? { required: union(base.required, branch.required) } : {}),
  }
}

/** `pattern` with its `(?!…)` / `(?=…)` groups taken out (parentheses balanced, escapes skipped). */
function withoutLookaheads(pattern: string): string {
  let out = ''
  for (let i = 0; i < pattern.length; i++) {
    if (pattern.startsWith('(?!', i) || pattern.startsWith('(?=', i)) {
      let depth = 0
      for (; i < pattern.length; i++) {
        if (pattern[i] === '\\') i++
        else if (pattern[i] === '(') depth++
        else if (pattern[i] === ')' && --depth === 0) break
      }
      continue
    }
    out += pattern[i]
    if (pattern[i] === '\\') out += pattern[++i] ?? ''
  }
  return out
}

function stringArbitrary(node: Node): fc.Arbitrary<string> {
  if (node.format === 'date-time') return isoDate
  if (node.format === 'uri') return fc.constantFrom(...LOOPBACK_URLS)
  const minLength = typeof node.minLength === 'number' ? node.minLength : 0
  const maxLength = Math.min(
    typeof node.maxLength === 'number' ? node.maxLength : MAX_STRING,
    minLength + MAX_STRING,
  )
  if (typeof node.pattern === 'string') {
    // fast-check cannot generate lookaheads: generate without them, Ajv keeps what matches.
    const matching = fc.stringMatching(new RegExp(withoutLookaheads(node.pattern), 'u'), { size: 'xsmall' })
    return matching.filter(
      (s) => s.length >= minLength && s.length <= ((node.maxLength as number | undefined) ?? Infinity),
    )
  }
  return printable(minLength, maxLength)
}

function numberArbitrary(node: Node, integer: boolean): fc.Arbitrary<number> {
  const min = typeof node.minimum === 'number' ? node.minimum : integer ? -1000 : -1e6
  const max = typeof node.maximum === 'number' ? node.maximum : integer ? 1_000_000 : 1e6
  const range = integer
    ? fc.integer({ min, max })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
  // Bounds are where validators disagree, so they come up often.
  return fc.oneof({ weight: 1, arbitrary: fc.constantFrom(min, max) }, { weight: 3, arbitrary: range })
}

function objectArbitrary(node: Node, doc: Node, depth: number): fc.Arbitrary<Node> {
  const properties = isNode(node.properties) ? node.properties : {}
  const required = Array.isArray(node.required) ? node.required.map(String) : []
  const model = Object.fromEntries(
    Object.entries(properties).map(([key, child]) => [key, arbitraryFor(child, doc, depth + 1)]),
  )
  const known = fc.record(model, { requiredKeys: required.filter((k) => k in model) })
  if (!isNode(node.additionalProperties) || Object.keys(node.additionalProperties).length === 0) return known
  const names = isNode(node.propertyNames) ? stringArbitrary(node.propertyNames) : printable(1, 12)
  const extra = fc.dictionary(names, arbitraryFor(node.additionalProperties, doc, depth + 1), {
    maxKeys: MAX_EXTRA_ITEMS,
  })
  return fc.tuple(known, extra).map(([a, b]) => ({ ...b, ...a }))
}

/**
 * Values shaped by a JSON Schema of the document: close to valid, not always valid (`not`,
 * lookaheads, cross-field rules). Callers keep what Ajv accepts (see document.ts `validValues`).
 */
export function arbitraryFor(schema: unknown, doc: Node, depth = 0): fc.Arbitrary<unknown> {
  if (!isNode(schema) || depth > MAX_DEPTH) return fc.constant(null)
  const node = resolve(schema, doc)
  if ('const' in node) return fc.constant(node.const)
  if (Array.isArray(node.enum) && node.enum.length > 0) return fc.constantFrom(...node.enum)
  for (const key of ['oneOf', 'anyOf'] as const) {
    const branches = node[key]
    if (Array.isArray(branches) && branches.length > 0) {
      const { [key]: _branches, discriminator: _d, ...base } = node
      return fc.oneof(
        ...branches.map((b) => arbitraryFor(merge(base, resolve(b as Node, doc)), doc, depth + 1)),
      )
    }
  }
  if (Array.isArray(node.allOf)) {
    const { allOf, ...base } = node
    return arbitraryFor(
      allOf.reduce<Node>((acc, part) => merge(acc, resolve(part as Node, doc)), base),
      doc,
      depth,
    )
  }
  if (Array.isArray(node.type))
    return fc.oneof(...node.type.map((type) => arbitraryFor({ ...node, type }, doc, depth)))
  switch (node.type) {
    case 'null':
      return fc.constant(null)
    case 'boolean':
      return fc.boolean()
    case 'integer':
      return numberArbitrary(node, true)
    case 'number':
      return numberArbitrary(node, false)
    case 'string':
      return stringArbitrary(node)
    case 'array': {
      const minLength = typeof node.minItems === 'number' ? node.minItems : 0
      const maxLength = Math.min(
        typeof node.maxItems === 'number' ? node.maxItems : Infinity,
        minLength + MAX_EXTRA_ITEMS,
      )
      const items = arbitraryFor(node.items, doc, depth + 1)
      return node.uniqueItems
        ? fc.uniqueArray(items, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
        : fc.array(items, { minLength, maxLength })
    }
    case 'object':
      return objectArbitrary(node, doc, depth)
    default:
      return isNode(node.properties) ? objectArbitrary(node, doc, depth) : fc.jsonValue({ maxDepth: 1 })
  }
}

/** Values no JSON Schema of a field is likely to take: a field set to one of them makes it invalid. */
const WRONG = [null, -1, 1.5, 1e15, '', 'x'.repeat(300), 'not-a-date', true, [], {}, [1, 2], { nope: 1 }]

/** `value` with one field (or the whole) replaced by a wrong value, or a required key dropped. */
export function mutated(value: unknown): fc.Arbitrary<unknown> {
  const paths: string[][] = [[]]
  const walk = (v: unknown, at: string[]) => {
    if (at.length > 4) return
    if (Array.isArray(v))
      v.forEach((item, i) => {
        paths.push([...at, String(i)])
        walk(item, [...at, String(i)])
      })
    else if (isNode(v))
      for (const [key, child] of Object.entries(v)) {
        paths.push([...at, key])
        walk(child, [...at, key])
      }
  }
  walk(value, [])
  return fc.tuple(fc.constantFrom(...paths), fc.constantFrom(...WRONG, DROP)).map(([path, wrong]) => {
    const copy = structuredClone(value)
    if (path.length === 0) return wrong === DROP ? undefined : wrong
    const parent = path.slice(0, -1).reduce<unknown>((at, key) => (at as Node)[key], copy) as Node
    const last = path.at(-1) as string
    if (wrong === DROP) delete parent[last]
    else parent[last] = wrong
    return copy
  })
}
const DROP = Symbol('drop')
