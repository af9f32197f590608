import { describe, it } from 'vitest'
import { openPostgres } from '../../src/store/postgres/index.ts'
import { freshDatabase, freshSchema, postgresAvailable } from '../helpers/postgres.ts'
import { describeStoreContract } from './contract.ts'

const available = await postgresAvailable()

if (available === true) {
  const database = await freshDatabase()
  describeStoreContract('postgres', async () => openPostgres(await freshSchema(database), { poolSize: 4 }))
} else {
  describe('postgres store contract', () => {
    it.skip(`skipped: ${available}`, () => {})
  })
}
