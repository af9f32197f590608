// Writes openapi/openapi.json from the zod schemas of the registered routes, and the typed client's
// types from it (src/client/schema.ts), with `npm run openapi`.
import { writeFileSync } from 'node:fs'
import { generateClientSchema, generateOpenApi } from '../test/helpers/openapi.ts'

const document = await generateOpenApi()
writeFileSync(new URL('../openapi/openapi.json', import.meta.url), document)
writeFileSync(new URL('../src/client/schema.ts', import.meta.url), await generateClientSchema(document))
process.stdout.write('wrote openapi/openapi.json and src/client/schema.ts\n')
