import { describe, expect, it } from 'vitest'
import { isStorageFault, StorageUnavailableError } from '../../src/store/errors.ts'

const coded = (code: string, message = code) => Object.assign(new Error(message), { code })

describe('isStorageFault (SPEC §8, §10: 503 and retried, never a 500 or a lost outcome)', () => {
  it('takes the storage failing, in SQLite, on the network and in PostgreSQL', () => {
    for (const err of [
      new StorageUnavailableError('gone'),
      coded('SQLITE_IOERR_WRITE'),
      coded('SQLITE_READONLY'),
      coded('SQLITE_FULL'),
      coded('ECONNREFUSED'),
      coded('ECONNRESET'),
      coded('57P01', 'terminating connection due to administrator command'),
      coded('57P03', 'the database system is starting up'),
      coded('08006', 'connection failure'),
      coded('53300', 'too many connections'),
      coded('53100', 'could not extend file: No space left on device'),
      coded('25006', 'cannot execute UPDATE in a read-only transaction'),
      // node-postgres's own, without a code: a statement in flight when the server stopped.
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Client has encountered a connection error and is not queryable'),
    ]) {
      expect(isStorageFault(err), err.message).toBe(true)
    }
  })

  it('leaves the statement’s own errors and bugs alone', () => {
    for (const err of [
      coded('SQLITE_CONSTRAINT_UNIQUE'),
      coded('23505', 'duplicate key value violates unique constraint'),
      coded('42P01', 'relation "jobs" does not exist'),
      coded('22P02', 'invalid input syntax for type bigint'),
      coded('40001', 'could not serialize access'),
      coded('ERR_INVALID_ARG_TYPE'),
      new TypeError('Cannot read properties of undefined'),
      new Error('terminated by the user'),
    ]) {
      expect(isStorageFault(err), err.message).toBe(false)
    }
    expect(isStorageFault('a string')).toBe(false)
  })
})
