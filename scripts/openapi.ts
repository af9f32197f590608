// Writes openapi/openapi.json from the zod schemas of the registered routes (`npm run openapi`).
import { writeFileSync } from 'node:fs'
import { generateOpenApi } from '../test/helpers/openapi.ts'

writeFileSync(new URL('../openapi/openapi.json', import.meta.url), await generateOpenApi())
process.stdout.write('wrote openapi/openapi.json\n')
