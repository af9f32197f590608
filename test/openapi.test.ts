import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { generateOpenApi } from './helpers/openapi.ts'

it('openapi/openapi.json is up to date (run `npm run openapi` after changing a route or schema)', async () => {
  const committed = readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8')
  expect(committed).toBe(await generateOpenApi())
})
