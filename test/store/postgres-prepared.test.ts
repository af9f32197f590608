import { describe, expect, it } from 'vitest'
import { openPostgres } from '../../src/store/postgres/index.ts'
import { newJob, T0 } from '../helpers/new-job.ts'
import { freshDatabase, freshSchema, postgresAvailable } from '../helpers/postgres.ts'

const available = await postgresAvailable()

describe.skipIf(available !== true)('prepared statements of the PostgreSQL adapter', () => {
  it('claims and outcomes keep working on their connection after a migration adds a column to jobs', async () => {
    // One connection: every statement reuses what it prepared before the ALTER.
    const store = await openPostgres(await freshSchema(await freshDatabase()), { poolSize: 1 })
    try {
      const claim = () =>
        store.jobs.claim('me', T0, {
          instance: 'i',
          limit: 1,
          leaseUntil: T0 + 1000,
          excludeTypes: [],
          typeRoom: {},
        })
      const finish = (id: string) =>
        store.jobs.transition(
          id,
          ['running'],
          { state: 'succeeded', finishedAt: T0, updatedAt: T0, result: 1 },
          'me',
        )
      await store.jobs.insertMany([newJob(), newJob()])
      const [a] = await claim()
      expect((await finish(a?.id ?? ''))?.state).toBe('succeeded')
      // A newer version's migration, applied while this instance runs (a rolling upgrade).
      await store.db.query('ALTER TABLE jobs ADD COLUMN added_later integer')
      const [b] = await claim()
      expect(b?.state).toBe('running')
      expect((await finish(b?.id ?? ''))?.state).toBe('succeeded')
    } finally {
      await store.close()
    }
  })
})
