import type { JobTypeRegistry } from '../../jobs/registry.ts'
import { JSON_VALUE, JSON_VALUE_ID, type JsonSchema, PLACEHOLDER, rewriteRefs } from './json-schema.ts'

const COMPONENTS = '#/components/schemas/'

/** `my-type.v2` → `MyTypeV2`: a component name from a job type name. */
export const pascal = (name: string) =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('')

/** Bodies that name a job type and take its params: each becomes one variant per registered type. */
const PER_TYPE = ['JobInput', 'JobTemplate'] as const

/**
 * The server validates `params` against the named type's schema (SPEC §1), so a body that takes a
 * job type is, exactly, one of a variant per registered type: `{ type: "sleep", params: SleepParams }`,
 * discriminated by `type`. The document of a service with custom types (JOBVISOR_TYPES) lists those
 * too; the committed one (built-ins) gives the typed client `params` per built-in type.
 */
export function jobTypeComponents(registry: JobTypeRegistry, schemas: Record<string, JsonSchema>) {
  const out: Record<string, JsonSchema> = {}
  const types = registry.describe()
  let usesJsonValue = false
  for (const info of types) {
    const name = `${pascal(info.name)}Params`
    const { $schema: _dialect, $defs, ...params } = info.paramsSchema as JsonSchema
    const defs = Object.entries(($defs as JsonSchema | undefined) ?? {}).map(([key, def]) => ({
      ref: `#/$defs/${key}`,
      def,
      // zod's z.json() is the document's JsonValue: one recursive type for every JSON value.
      target: isJsonValue(def, `#/$defs/${key}`) ? JSON_VALUE_ID : `${name}${pascal(key)}`,
    }))
    // Other $defs become components of their own: refs into a component resolve against the
    // document root, and generated clients choke on them.
    const targets = new Map(defs.map((d) => [d.ref, `${COMPONENTS}${d.target}`]))
    const repoint = (node: unknown) => rewriteRefs(node, (ref) => targets.get(ref) ?? ref) as JsonSchema
    for (const { def, target } of defs) if (target !== JSON_VALUE_ID) out[target] = repoint(def)
    if (defs.some((d) => d.target === JSON_VALUE_ID)) usesJsonValue = true
    out[name] = repoint({ ...params, description: info.description })
  }
  if (usesJsonValue && !(JSON_VALUE_ID in schemas)) out[JSON_VALUE_ID] = jsonValueComponent()
  for (const base of PER_TYPE) {
    const shape = schemas[base]
    if (!shape || types.length === 0) continue
    const required = Array.isArray(shape.required) ? (shape.required as string[]) : []
    // A property the base forbids (`not: { anyOf: [{ required: [...] }] }`) is not offered at all.
    const forbidden = new Set(forbiddenProperties(shape))
    const offered = Object.entries(shape.properties as JsonSchema).filter(([key]) => !forbidden.has(key))
    const mapping: Record<string, string> = {}
    for (const info of types) {
      const variant = `${pascal(info.name)}${base}`
      // An omitted params is `{}` (JobInput's default): required unless the type accepts that.
      const paramsOptional = registry.get(info.name)?.params.safeParse({}).success ?? false
      out[variant] = {
        ...shape,
        description: info.description,
        properties: {
          ...Object.fromEntries(offered),
          type: { const: info.name },
          params: { $ref: `${COMPONENTS}${pascal(info.name)}Params` },
        },
        required: paramsOptional ? required : [...new Set([...required, 'params'])],
      }
      mapping[info.name] = `${COMPONENTS}${variant}`
    }
    out[base] = {
      description: shape.description,
      oneOf: Object.values(mapping).map(($ref) => ({ $ref })),
      discriminator: { propertyName: 'type', mapping },
    }
  }
  return out
}

/** Names a schema's `not: { anyOf: [{ required: [name] }, …] }` rules out. */
function forbiddenProperties(shape: JsonSchema): string[] {
  const not = shape.not as { anyOf?: { required?: string[] }[] } | undefined
  return (not?.anyOf ?? []).flatMap((rule) => (rule.required?.length === 1 ? rule.required : []))
}

/** Whether `def` (at `self`) is zod's z.json(): the scalars, an array of itself, a record of itself. */
function isJsonValue(def: unknown, self: string): boolean {
  const branches = (def as { anyOf?: JsonSchema[] }).anyOf
  if (!Array.isArray(branches) || branches.length !== 6) return false
  const types = branches.map((b) => b.type).sort()
  const array = branches.find((b) => b.type === 'array')?.items as JsonSchema | undefined
  const object = branches.find((b) => b.type === 'object')?.additionalProperties as JsonSchema | undefined
  return (
    JSON.stringify(types) === JSON.stringify(['array', 'boolean', 'null', 'number', 'object', 'string']) &&
    array?.$ref === self &&
    object?.$ref === self
  )
}

/** JSON_VALUE with its placeholder refs resolved (for a document where no response named it). */
const jsonValueComponent = () =>
  rewriteRefs(JSON_VALUE, (ref) =>
    PLACEHOLDER.test(ref) ? `${COMPONENTS}${JSON_VALUE_ID}` : ref,
  ) as JsonSchema
