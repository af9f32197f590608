/**
 * P7 in PostgreSQL mode: the history p7-generate.ts wrote into a SQLite file, copied row for row
 * into a PostgreSQL store (the service's own schema, via its migrations), so both adapters are
 * measured over the same million jobs. Batches of 5,000 rows as one jsonb recordset each; then
 * the label rows the service's inserts would have written, and ANALYZE, as autovacuum would do on
 * its own after a load this size.
 */
import Database from 'better-sqlite3'
import { openPostgres } from '../../src/store/postgres/index.ts'
import { runMain } from './ipc.ts'

const [sqlitePath = 'p7.db', url = ''] = process.argv.slice(2)
const JSON_COLUMNS = ['params', 'retry', 'labels', 'progress', 'result', 'error', 'cancel'] as const
const BATCH = 5000

runMain(async () => {
  const store = await openPostgres(url, { poolSize: 2, maxTicksPerSchedule: 1000 })
  const db = store.db
  const source = new Database(sqlitePath, { readonly: true })
  const started = performance.now()
  let batch: Record<string, unknown>[] = []
  const flush = async () => {
    if (batch.length === 0) return
    await db.query('INSERT INTO jobs SELECT * FROM jsonb_populate_recordset(NULL::jobs, $1::jsonb)', [
      JSON.stringify(batch),
    ])
    batch = []
  }
  let rows = 0
  for (const row of source.prepare('SELECT * FROM jobs ORDER BY id').iterate() as Iterable<
    Record<string, unknown>
  >) {
    for (const column of JSON_COLUMNS) {
      const text = row[column]
      row[column] = typeof text === 'string' ? JSON.parse(text) : null
    }
    batch.push(row)
    rows++
    if (batch.length >= BATCH) await flush()
  }
  await flush()
  // What the service's inserts write beside each labelled job (src/store/postgres/job-insert.ts).
  await db.query(
    'INSERT INTO job_labels (key, value, job_id) SELECT l.key, l.value, j.id FROM jobs j, jsonb_each_text(j.labels) l',
  )
  await db.query('ANALYZE jobs')
  await db.query('ANALYZE job_labels')
  const ms = performance.now() - started
  source.close()
  await store.close()
  return { ms, rows }
})
