import { isDeepStrictEqual } from 'node:util'
import type { FastifySerializerCompiler } from 'fastify'
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod'
import type { $ZodType } from 'zod/v4/core'

/**
 * Response bodies are built by typed view functions (`toJobView`, …) whose return types are the
 * zod schemas' own types, so checking them again at run time only costs: encoding one job view
 * with zod took ~7 µs, five times its JSON.stringify, which is 5 % of a create and most of a
 * 1,000-job wait reply (bench P1, P8). Production therefore stringifies; tests run the strict
 * variant, which also fails on a field the schema does not declare (zod would silently strip it,
 * and plain stringify would leak it).
 */
export function responseSerializer(
  validate: boolean,
): FastifySerializerCompiler<$ZodType | { properties: $ZodType }> {
  if (!validate) return () => (data) => JSON.stringify(data)
  return (route) => {
    const encode = zodSerializerCompiler(route)
    return (data) => {
      const text = encode(data)
      const raw: unknown = JSON.parse(JSON.stringify(data) ?? 'null')
      if (!isDeepStrictEqual(JSON.parse(text), raw)) {
        throw new Error(
          `${route.method} ${route.url}: the response has fields its schema does not declare: ${JSON.stringify(data).slice(0, 300)}`,
        )
      }
      return text
    }
  }
}
