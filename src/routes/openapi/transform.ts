import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger'
import type { FastifySchema } from 'fastify'
import type { $ZodType } from 'zod/v4/core'
import type { JobTypeRegistry } from '../../jobs/registry.ts'
import { finishDocument, type OpenApiDocument } from './document.ts'
import { type Io, type JsonSchema, SchemaCollector } from './json-schema.ts'

/** What the document needs to know of a route beyond its schemas (see document.ts). */
export interface RouteFacts {
  /** open: no token; read: a read token will do; write: a write token is needed. */
  access: 'open' | 'read' | 'write'
  /** The route takes a JSON body (so 413 and 415 can happen). */
  hasBody: boolean
  /** The body may be left out (the route fills in its defaults). */
  bodyOptional: boolean
  /** Any of params, querystring, headers or body is validated (so 400 can happen). */
  hasInput: boolean
}

export interface OpenApiOptions {
  /** Routes that answer without a token (auth.ts `isOpenRoute`). */
  isOpen(url: string): boolean
  /** Registered job types: request bodies get one variant per type, with its params (document.ts). */
  registry?: JobTypeRegistry
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

type Schema = FastifySchema & { hide?: boolean }

const isContentResponse = (
  value: unknown,
): value is { description?: string; content: Record<string, { schema: $ZodType }> } =>
  typeof value === 'object' && value !== null && 'content' in value

/** `/v1/jobs/:id` → `/v1/jobs/{id}`, as @fastify/swagger writes paths. */
export const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}')

/**
 * The @fastify/swagger `transform` and `transformObject` pair of one app. The route transform
 * turns zod into JSON Schema (components named later) and notes each route's facts; the object
 * transform then finishes the document from them, so that it says what the server does: problem
 * documents, auth and size statuses, optional bodies, headers (document.ts).
 */
export function createOpenApiTransforms(options: OpenApiOptions): {
  transform: SwaggerTransform<Schema>
  transformObject: SwaggerTransformObject
} {
  const collector = new SchemaCollector()
  const facts = new Map<string, RouteFacts>()
  const json = (schema: unknown, io: Io): JsonSchema => collector.toJson(schema as $ZodType, io)

  const transform: SwaggerTransform<Schema> = ({ schema, url, route }) => {
    if (!schema) return { schema, url }
    if (schema.hide) return { schema: { hide: true }, url }
    const { response, headers, querystring, body, params, hide: _hide, ...rest } = schema
    const out: Record<string, unknown> = { ...rest }
    for (const [part, value] of Object.entries({ headers, querystring, body, params }))
      if (value) out[part] = json(value, 'input')
    if (response) {
      const responses: Record<string, unknown> = {}
      for (const [status, value] of Object.entries(response as Record<string, unknown>)) {
        responses[status] = isContentResponse(value)
          ? {
              description: value.description,
              content: Object.fromEntries(
                Object.entries(value.content).map(([type, media]) => [
                  type,
                  { schema: json(media.schema, 'output') },
                ]),
              ),
            }
          : json(value, 'output')
      }
      out.response = responses
    }
    for (const method of [route.method].flat()) {
      const access = options.isOpen(url)
        ? 'open'
        : (route.config?.access ?? (READ_METHODS.has(method) ? 'read' : 'write'))
      facts.set(`${method.toLowerCase()} ${openApiPath(url)}`, {
        access,
        hasBody: body !== undefined,
        bodyOptional: body !== undefined && isOptional(body as $ZodType),
        hasInput: [headers, querystring, body, params].some((part) => part !== undefined),
      })
    }
    return { schema: out as FastifySchema, url }
  }

  const transformObject: SwaggerTransformObject = (document) => {
    // app.ts asks for OpenAPI 3.1, never Swagger 2.
    if (!('openapiObject' in document)) throw new Error('expected an OpenAPI 3 document')
    const doc = document.openapiObject as OpenApiDocument
    return finishDocument(doc, { facts, components: collector.components, registry: options.registry })
  }

  return { transform, transformObject }
}

/** Whether the schema accepts a missing value (a `.default()` or `.optional()` body). */
function isOptional(schema: $ZodType): boolean {
  const result = schema['~standard'].validate(undefined)
  return !(result instanceof Promise) && result.issues === undefined
}
