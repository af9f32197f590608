import { readFileSync } from 'node:fs'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { openPostgres } from '../../src/store/postgres/index.ts'
import { T0 } from '../helpers/new-job.ts'
import { freshDatabase, freshSchema, postgresAvailable } from '../helpers/postgres.ts'

const available = await postgresAvailable()
const migration = (file: string) =>
  readFileSync(new URL(`../../src/store/postgres/migrations/${file}`, import.meta.url), 'utf8')

describe.skipIf(available !== true)('PostgreSQL migrations over existing data', () => {
  it('0003 copies the labels of jobs stored before it into job_labels, so label filters still find them', async () => {
    const url = await freshSchema(await freshDatabase())
    // A database as the previous version left it: migrations 1 and 2, a labelled job.
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      await client.query(migration('0001_init.sql'))
      await client.query(migration('0002_ticks.sql'))
      await client.query(
        'CREATE TABLE jobvisor_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)',
      )
      await client.query('INSERT INTO jobvisor_migrations VALUES (1, 0), (2, 0)')
      await client.query(
        `INSERT INTO jobs (id, type, params, state, ready_at, retry, labels, created_at, updated_at)
         VALUES ('01OLD', 'noop', '{}', 'queued', $1, '{"maxAttempts":1}', '{"team":"a","env":"prod"}', $1, $1),
                ('01OLDER', 'noop', '{}', 'queued', $1, '{"maxAttempts":1}', '{"team":"b"}', $1, $1)`,
        [T0],
      )
    } finally {
      await client.end()
    }
    const store = await openPostgres(url, { poolSize: 1 })
    try {
      const ids = async (labels: Record<string, string>) =>
        (await store.jobs.list({ limit: 10, labels })).map((j) => j.id)
      expect(await ids({ team: 'a' })).toEqual(['01OLD'])
      expect(await ids({ env: 'prod', team: 'a' })).toEqual(['01OLD'])
      expect(await ids({ team: 'b' })).toEqual(['01OLDER'])
      expect(await ids({ team: 'c' })).toEqual([])
    } finally {
      await store.close()
    }
  })
})
