/**
 * The store cannot do its work for a reason of the storage, not of the request: the disk refuses
 * writes, the database file was deleted or replaced, the database server is unreachable. Clients
 * get 503 with Retry-After; the service keeps what it could not store and heals by itself.
 */
export class StorageUnavailableError extends Error {
  readonly code = 'storage_unavailable'

  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'StorageUnavailableError'
  }
}

/**
 * SQLite result codes (better-sqlite3's `err.code`) that mean the storage failed, not the
 * statement: I/O errors, a read-only or full disk, a file that cannot be opened or is not (any
 * more) a database. Constraint violations and misuse are the caller's and stay as they are.
 */
const SQLITE_FAULT = /^SQLITE_(IOERR|READONLY|FULL|CANTOPEN|CORRUPT|NOTADB|PROTOCOL|BUSY|LOCKED)/

/** Network errors of a database client: the server is down, restarting or unreachable. */
const NETWORK_FAULT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
])

/**
 * PostgreSQL SQLSTATEs that mean the server cannot do the work now, whatever the statement:
 * connection exceptions (08…), a server shutting down, crashed or starting up (57P01–57P03),
 * insufficient resources (53…: disk full, out of memory, too many connections), system I/O
 * errors (58…), and a read-only transaction (25006: a standby after a failover).
 */
const POSTGRES_FAULT = /^(08[0-9A-Z]{3}|57P0[123]|53[0-9A-Z]{3}|58[0-9A-Z]{3}|25006)$/

/**
 * node-postgres's own errors when the connection is lost or cannot be made; they carry no code.
 * "Connection terminated unexpectedly" is what a statement in flight gets when the server stops.
 */
const POSTGRES_CLIENT_FAULT =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed)/

/** Whether `err` is a storage fault (503 and retried) rather than a bug or a bad request. */
export function isStorageFault(err: unknown): boolean {
  if (err instanceof StorageUnavailableError) return true
  if (!(err instanceof Error)) return false
  const code = (err as { code?: unknown }).code
  if (typeof code !== 'string') return POSTGRES_CLIENT_FAULT.test(err.message)
  return SQLITE_FAULT.test(code) || NETWORK_FAULT.has(code) || POSTGRES_FAULT.test(code)
}

/** A short, operator-readable cause for a fault: the driver's code and message. */
export function faultReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' && !(err instanceof StorageUnavailableError)
    ? `${code}: ${err.message}`
    : err.message
}
