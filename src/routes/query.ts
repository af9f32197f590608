import { z } from 'zod'
import { documentedAs } from './openapi/json-schema.ts'

/**
 * A query parameter holding a list of states: `state=a,b` (SPEC §5 "comma list") or repeated
 * `state=a&state=b` (how generated clients send arrays, openapi-fetch's default), or both mixed.
 */
export function stateList<E extends z.ZodEnum<Record<string, string>>>(states: E, max: number) {
  const list = z
    .union([z.string().max(1000), z.array(z.string().max(1000)).max(max)])
    .transform((value) => [value].flat().flatMap((part) => part.split(',').filter(Boolean)))
    .pipe(z.array(states).max(max))
  const [a = '', b = a] = states.options.map(String)
  return documentedAs(list, {
    type: 'array',
    items: { type: 'string', enum: states.options },
    maxItems: max,
    description: `Repeat (\`state=${a}&state=${b}\`) or comma-separate (\`state=${a},${b}\`)`,
  })
}
