import type { Logger } from 'pino'
import { openPostgres } from './postgres/index.ts'
import { openSqlite } from './sqlite/index.ts'
import type { Store } from './store.ts'

/** Where the store lives (SPEC §8, §10): a SQLite file (or `:memory:`), or a PostgreSQL URL. */
export type DbTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string }

/** The store could not be opened at start: a configuration problem (exit 2, naming JOBVISOR_DB). */
export class StoreOpenError extends Error {}

/** The URL as it may be logged: no password. */
export function safeDbUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '[redacted]'
    return parsed.toString()
  } catch {
    return '[unparsable URL]'
  }
}

/** Opens and migrates the store JOBVISOR_DB names. */
export async function openStore(
  target: DbTarget,
  options: { poolSize: number; maxTicksPerSchedule: number; logger: Logger },
): Promise<Store> {
  try {
    if (target.kind === 'sqlite') return await openSqlite(target.path, options)
    return await openPostgres(target.url, options)
  } catch (err) {
    const where = target.kind === 'sqlite' ? target.path : safeDbUrl(target.url)
    const why = err instanceof Error ? err.message : String(err)
    throw new StoreOpenError(`cannot open ${where}: ${why}`, { cause: err })
  }
}
