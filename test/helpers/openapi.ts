import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript'
import { pino } from 'pino'
import ts from 'typescript'
import { loadConfig } from '../../src/config.ts'
import { createService } from '../../src/service.ts'

/** The OpenAPI document of a default service (built-in types, in-memory store), as committed. */
export async function generateOpenApi(): Promise<string> {
  const service = await createService(loadConfig({ JOBVISOR_DB: ':memory:' }), pino({ level: 'silent' }))
  try {
    await service.app.ready()
    return `${JSON.stringify(service.app.swagger(), null, 2)}\n`
  } finally {
    await service.shutdown(0)
  }
}

/**
 * The recursive JSON value as a TypeScript alias: written out by openapi-typescript as an indexed
 * access into `components`, a union that refers to itself is a circularity error in tsc.
 */
const JSON_VALUE_ALIAS =
  'export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };\n'

/** src/client/schema.ts: the typed client's types, generated from the document by openapi-typescript. */
export async function generateClientSchema(document: string): Promise<string> {
  const ast = await openapiTS(JSON.parse(document) as OpenAPI3, {
    silent: true,
    // A field with a default is optional in what a client sends (zod's input side).
    defaultNonNullable: false,
    inject: JSON_VALUE_ALIAS,
    transform: (_schema, { path }) =>
      path === '#/components/schemas/JsonValue' ? ts.factory.createTypeReferenceNode('JsonValue') : undefined,
  })
  const note = '// Generated from openapi/openapi.json by `npm run openapi`; a test fails when it is stale.\n'
  return `${COMMENT_HEADER}${note}${astToString(ast)}`
}
