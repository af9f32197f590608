import pg from 'pg'
import type { StoreHealth } from '../health.ts'

/** bigint (int8) holds epoch milliseconds and counts: well within 2^53, so read back as numbers. */
const INT8 = 20
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
}

/** One statement or transaction's client: what the operation files are written against. */
export interface Queryable {
  /**
   * `name`, for a statement of constant text on the hot path (claims, outcomes): prepared once per
   * connection, so each run skips parsing and planning (about a third of a claim's time here).
   */
  query<R extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    name?: string,
  ): Promise<R[]>
}

const statement = (text: string, values: readonly unknown[], name: string | undefined) => ({
  text,
  values: values as unknown[],
  name,
})

/**
 * The adapter's connection pool. Every statement passes through {@link query} or {@link tx}, so
 * this is where a failing database is seen and reported to the store's health (SPEC §10: 503,
 * reconnect by itself). node-postgres reconnects per checkout: a pool survives a database
 * restart without being rebuilt.
 */
export class PgDatabase implements Queryable {
  readonly pool: pg.Pool
  #health: StoreHealth | null = null

  constructor(url: string, size: number) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: size,
      types,
      // A database that is gone must fail a request quickly (503), not hang it.
      connectionTimeoutMillis: 5000,
      application_name: 'jobvisor',
    })
    // An idle client whose server went away emits 'error' on the pool; unhandled, it would crash.
    this.pool.on('error', (err) => this.#health?.failed(err))
  }

  reportTo(health: StoreHealth): void {
    this.#health = health
  }

  async query<R extends object = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
    name?: string,
  ): Promise<R[]> {
    try {
      const result = await this.pool.query<R>(statement(sql, params, name))
      this.#health?.succeeded()
      return result.rows
    } catch (err) {
      this.#health?.failed(err)
      throw err
    }
  }

  /** Runs `fn` in one transaction on one client; rolled back if it throws. */
  async tx<T>(fn: (client: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient
    try {
      client = await this.pool.connect()
    } catch (err) {
      this.#health?.failed(err)
      throw err
    }
    const queryable: Queryable = {
      query: async <R extends object>(sql: string, params: readonly unknown[] = [], name?: string) =>
        (await client.query<R>(statement(sql, params, name))).rows,
    }
    let broken: Error | undefined
    try {
      await client.query('BEGIN')
      const value = await fn(queryable)
      await client.query('COMMIT')
      this.#health?.succeeded()
      return value
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackFailed: Error) => {
        broken = rollbackFailed // the connection itself is gone: do not hand it out again
      })
      this.#health?.failed(err)
      throw err
    } finally {
      client.release(broken)
    }
  }

  close(): Promise<void> {
    return this.pool.end()
  }
}
