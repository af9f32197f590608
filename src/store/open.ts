import type { Logger } from 'pino'
import type { DbTarget } from '../config.ts'
import { openPostgres } from './postgres/index.ts'
import { openSqlite } from './sqlite/index.ts'
import type { Store } from './store.ts'

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
  options: { poolSize: number; logger: Logger },
): Promise<Store> {
  try {
    if (target.kind === 'sqlite') return await openSqlite(target.path, { logger: options.logger })
    return await openPostgres(target.url, options)
  } catch (err) {
    const where = target.kind === 'sqlite' ? target.path : safeDbUrl(target.url)
    const why = err instanceof Error ? err.message : String(err)
    throw new StoreOpenError(`cannot open ${where}: ${why}`, { cause: err })
  }
}
