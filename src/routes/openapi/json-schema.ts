import { type $ZodType, toJSONSchema } from 'zod/v4/core'

/** A JSON Schema (2020-12) node, as OpenAPI 3.1 embeds it. */
export type JsonSchema = { [key: string]: unknown }
/** Which side of a schema: what a client sends (defaults optional) or what the server sends. */
export type Io = 'input' | 'output'

const COMPONENTS = '#/components/schemas/'
const DEFS = '#/$defs/'

/**
 * A component reference before its final name is known: `<id>~<io>`. A schema registered with
 * `.meta({ id })` may be used on both sides with different shapes (defaults make fields optional on
 * input); document.ts names each component once every route has been seen (see `nameComponents`).
 */
export const placeholderRef = (id: string, io: Io) => `${COMPONENTS}${id}~${io}`
export const PLACEHOLDER = /^#\/components\/schemas\/(.+)~(input|output)$/

const DOCUMENTED_AS = 'x-documented-as'

/**
 * `schema`, documented as `json` instead of what zod derives: for an input whose accepted forms
 * JSON Schema can only say as a union (`state=a,b` or `state=a&state=b` → one enum list).
 */
export const documentedAs = <T extends $ZodType>(schema: T, json: JsonSchema): T =>
  (schema as unknown as { meta(meta: JsonSchema): T }).meta({ [DOCUMENTED_AS]: json })

/** Any JSON value: what an unconstrained field of a response can hold (recursive). */
export const JSON_VALUE_ID = 'JsonValue'
const JSON_VALUE_REF = placeholderRef(JSON_VALUE_ID, 'output')
export const JSON_VALUE: JsonSchema = {
  description: 'Any JSON value',
  anyOf: [
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'null' },
    { type: 'array', items: { $ref: JSON_VALUE_REF } },
    { type: 'object', additionalProperties: { $ref: JSON_VALUE_REF } },
  ],
}

const isObject = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Replaces every `$ref` string in `node` (deeply) with `rename(ref)`. */
export function rewriteRefs(node: unknown, rename: (ref: string) => string): unknown {
  if (Array.isArray(node)) return node.map((item) => rewriteRefs(item, rename))
  if (!isObject(node)) return node
  const out: JsonSchema = {}
  for (const [key, value] of Object.entries(node))
    out[key] = key === '$ref' && typeof value === 'string' ? rename(value) : rewriteRefs(value, rename)
  return out
}

/**
 * zod → JSON Schema for the OpenAPI document. Schemas registered with an id (zod's global
 * registry, `.meta({ id })`) become components, collected per side; everything else is inline.
 * zod's own converter does the work: this only moves its `$defs` into components.
 */
export class SchemaCollector {
  readonly #components = new Map<string, JsonSchema>()

  /** JSON Schema of `schema` as seen from `io`; registered parts are placeholder refs. */
  toJson(schema: $ZodType, io: Io): JsonSchema {
    const json = toJSONSchema(schema, {
      io,
      target: 'draft-2020-12',
      // Transforms and refinements have no JSON Schema: what they accept is described in words.
      unrepresentable: 'any',
      cycles: 'ref',
      reused: 'inline',
      override: ({ zodSchema, jsonSchema }) => {
        // A 204's `z.undefined()`: no body at all (@fastify/swagger omits content for type null).
        if (zodSchema._zod.def.type === 'undefined' && io === 'output') jsonSchema.type = 'null'
        // An unconstrained value the server sends (params, result) is still JSON: say which.
        if (zodSchema._zod.def.type === 'unknown' && io === 'output') {
          this.#components.set(`${JSON_VALUE_ID}~output`, JSON_VALUE)
          jsonSchema.$ref = JSON_VALUE_REF
        }
        const replacement = jsonSchema[DOCUMENTED_AS]
        if (isObject(replacement)) {
          for (const key of Object.keys(jsonSchema)) delete jsonSchema[key]
          Object.assign(jsonSchema, replacement)
        }
      },
    }) as JsonSchema
    const { $defs, $schema: _dialect, ...root } = json
    const toPlaceholder = (ref: string) =>
      ref.startsWith(DEFS) ? placeholderRef(ref.slice(DEFS.length), io) : ref
    if (isObject($defs)) {
      for (const [id, def] of Object.entries($defs)) {
        const key = `${id}~${io}`
        if (!this.#components.has(key))
          this.#components.set(key, rewriteRefs(def, toPlaceholder) as JsonSchema)
      }
    }
    return rewriteRefs(root, toPlaceholder) as JsonSchema
  }

  /** Every component met so far, keyed `<id>~<io>`. */
  get components(): ReadonlyMap<string, JsonSchema> {
    return this.#components
  }
}

/**
 * Final component names: the registered id, or `<id>Input` for the input side of a schema that is
 * used on both sides with different shapes. A schema is named after what it is (Job, JobInput), never
 * after a side it is not used on.
 */
export function nameComponents(components: ReadonlyMap<string, JsonSchema>): {
  schemas: Record<string, JsonSchema>
  rename: (ref: string) => string
} {
  const names = new Map<string, string>()
  for (const key of components.keys()) {
    const [id, io] = key.split('~') as [string, Io]
    const other = components.get(`${id}~${io === 'input' ? 'output' : 'input'}`)
    const same = other !== undefined && JSON.stringify(other) === JSON.stringify(components.get(key))
    names.set(key, io === 'input' && other !== undefined && !same ? `${id}Input` : id)
  }
  const rename = (ref: string) => {
    const match = PLACEHOLDER.exec(ref)
    return match ? `${COMPONENTS}${names.get(`${match[1]}~${match[2]}`) ?? match[1]}` : ref
  }
  const schemas: Record<string, JsonSchema> = {}
  for (const [key, schema] of [...components].sort(([a], [b]) => a.localeCompare(b)))
    schemas[names.get(key) as string] = rewriteRefs(schema, rename) as JsonSchema
  return { schemas, rename }
}
