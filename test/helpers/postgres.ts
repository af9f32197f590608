import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll } from 'vitest'

/** The local server of this machine (trust auth; CI starts it if it is down). */
export const PG_ADMIN_URL =
  process.env.JOBVISOR_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'

/** Whether the local PostgreSQL answers; the reason when not (shown in skipped test names). */
export async function postgresAvailable(): Promise<true | string> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch (err) {
    return `PostgreSQL at ${PG_ADMIN_URL} is not reachable (${(err as Error).message})`
  } finally {
    await client.end().catch(() => {})
  }
}

const created: string[] = []
afterAll(async () => {
  if (created.length === 0) return
  const client = new pg.Client({ connectionString: PG_ADMIN_URL })
  await client.connect()
  for (const name of created.splice(0)) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await client.end()
})

/** A new, empty database for this test file; dropped after it. Returns its URL. */
export async function freshDatabase(): Promise<string> {
  const name = `jobvisor_test_${process.pid}_${randomBytes(4).toString('hex')}`
  const client = new pg.Client({ connectionString: PG_ADMIN_URL })
  await client.connect()
  try {
    await client.query(`CREATE DATABASE ${name}`)
  } finally {
    await client.end()
  }
  created.push(name)
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${name}`
  return url.toString()
}

/** `url` with a schema of its own as the search path: a fresh, empty store per call, cheaply. */
export async function freshSchema(url: string): Promise<string> {
  const schema = `s_${randomBytes(6).toString('hex')}`
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`CREATE SCHEMA ${schema}`)
  } finally {
    await client.end()
  }
  const withSchema = new URL(url)
  withSchema.searchParams.set('options', `-c search_path=${schema}`)
  return withSchema.toString()
}
