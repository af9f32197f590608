import { describe, expect, it } from 'vitest'
import { openDatabase, SqliteConnection } from '../../src/store/sqlite/connection.ts'
import { SqliteJobStore } from '../../src/store/sqlite/jobs.ts'
import { migrate } from '../../src/store/sqlite/migrate.ts'
import { WriteQueue } from '../../src/store/sqlite/write-queue.ts'
import { newJob, T0 } from '../helpers/new-job.ts'

/** An I/O error as better-sqlite3 raises it: a storage fault, which fails the whole batch. */
const ioError = () => Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' })

function openJobs() {
  const db = openDatabase(':memory:')
  migrate(db)
  const connection = new SqliteConnection(db)
  const writes = new WriteQueue(connection)
  return { db, writes, jobs: new SqliteJobStore(connection, writes) }
}

describe('SQLite terminal counts (kept beside the rows, not counted per read)', () => {
  it('a write batch that fails as a whole is rolled back, and so is its count', async () => {
    const { db, writes, jobs } = openJobs()
    const job = newJob()
    await jobs.insert(job)
    expect((await jobs.countByState()).queued).toBe(1)
    // One turn: the job becomes cancelled, then another write of the batch hits an I/O error.
    const cancelled = jobs.transition(job.id, ['queued'], {
      state: 'cancelled',
      finishedAt: T0,
      updatedAt: T0,
    })
    const failing = writes.enqueue(() => {
      throw ioError()
    })
    await expect(cancelled).rejects.toThrow('disk I/O error')
    await expect(failing).rejects.toThrow('disk I/O error')
    expect(db.prepare('SELECT state FROM jobs').get()).toEqual({ state: 'queued' })
    expect(await jobs.countByState()).toMatchObject({ queued: 1, cancelled: 0 })
    // And the counts keep counting after the recount.
    await jobs.transition(job.id, ['queued'], { state: 'cancelled', finishedAt: T0, updatedAt: T0 })
    expect(await jobs.countByState()).toMatchObject({ queued: 0, cancelled: 1 })
    db.close()
  })

  it('tells every rollback listener, once per failed batch', async () => {
    const { db, writes } = openJobs()
    let rolledBack = 0
    writes.onRollback(() => rolledBack++)
    await writes.enqueue(() => 1)
    expect(rolledBack).toBe(0)
    await expect(
      writes.enqueue(() => {
        throw ioError()
      }),
    ).rejects.toThrow()
    expect(rolledBack).toBe(1)
    // A statement's own error (not the storage's) fails only that write: nothing rolled back.
    await expect(
      writes.enqueue(() => {
        throw new Error('constraint')
      }),
    ).rejects.toThrow('constraint')
    expect(rolledBack).toBe(1)
    db.close()
  })
})
