import type { InstanceRecord, InstanceStore } from '../instance-store.ts'
import type { SqliteConnection } from './connection.ts'
import type { WriteQueue } from './write-queue.ts'

interface InstanceRow {
  id: string
  owner: string
  started_at: number
  last_seen_at: number
  running: number
  version: string
  boot_id: string | null
}

export const instanceFromRow = (row: InstanceRow): InstanceRecord => ({
  id: row.id,
  owner: row.owner,
  startedAt: row.started_at,
  lastSeenAt: row.last_seen_at,
  running: row.running,
  version: row.version,
  bootId: row.boot_id,
})

/** Instances in SQLite: this process only (the exclusive lock keeps others out). */
export class SqliteInstanceStore implements InstanceStore {
  readonly #stmt: SqliteConnection['stmt']
  readonly #writes: WriteQueue

  constructor(connection: SqliteConnection, writes: WriteQueue) {
    this.#stmt = (sql) => connection.stmt(sql)
    this.#writes = writes
  }

  async register(i: InstanceRecord): Promise<void> {
    await this.#writes.enqueue(() => {
      // A previous process's row (it crashed) is simply replaced: only one process can use the file.
      this.#stmt('DELETE FROM instances').run()
      this.#stmt(
        `INSERT INTO instances (id, owner, started_at, last_seen_at, running, version, boot_id)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(i.id, i.owner, i.startedAt, i.lastSeenAt, i.running, i.version, i.bootId)
    })
  }

  async beat(id: string, owner: string, now: number, running: number): Promise<void> {
    await this.#writes.enqueue(() =>
      this.#stmt('UPDATE instances SET last_seen_at = ?, running = ? WHERE id = ? AND owner = ?').run(
        now,
        running,
        id,
        owner,
      ),
    )
  }

  async remove(id: string, owner: string): Promise<void> {
    await this.#writes.enqueue(() =>
      this.#stmt('DELETE FROM instances WHERE id = ? AND owner = ?').run(id, owner),
    )
  }

  async list(seenSince: number): Promise<InstanceRecord[]> {
    const rows = this.#stmt('SELECT * FROM instances WHERE last_seen_at >= ? ORDER BY started_at').all(
      seenSince,
    ) as InstanceRow[]
    return rows.map(instanceFromRow)
  }
}
