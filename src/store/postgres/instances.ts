import type { InstanceRecord, InstanceStore } from '../instance-store.ts'
import type { PgDatabase } from './db.ts'

interface InstanceRow {
  id: string
  owner: string
  started_at: number
  last_seen_at: number
  running: number
  version: string
  boot_id: string | null
}

/** Instances sharing the database; a dead one drops out of `list` once its heartbeats stop. */
export class PgInstanceStore implements InstanceStore {
  readonly #db: PgDatabase

  constructor(db: PgDatabase) {
    this.#db = db
  }

  async register(i: InstanceRecord): Promise<void> {
    await this.#db.query(
      `INSERT INTO instances (id, owner, started_at, last_seen_at, running, version, boot_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, started_at = excluded.started_at,
         last_seen_at = excluded.last_seen_at, running = excluded.running, version = excluded.version,
         boot_id = excluded.boot_id`,
      [i.id, i.owner, i.startedAt, i.lastSeenAt, i.running, i.version, i.bootId],
    )
  }

  async beat(id: string, owner: string, now: number, running: number): Promise<void> {
    await this.#db.query(
      'UPDATE instances SET last_seen_at = $1, running = $2 WHERE id = $3 AND owner = $4',
      [now, running, id, owner],
    )
  }

  async remove(id: string, owner: string): Promise<void> {
    await this.#db.query('DELETE FROM instances WHERE id = $1 AND owner = $2', [id, owner])
  }

  async list(seenSince: number): Promise<InstanceRecord[]> {
    const rows = await this.#db.query<InstanceRow>(
      'SELECT * FROM instances WHERE last_seen_at >= $1 ORDER BY started_at, id',
      [seenSince],
    )
    return rows.map((row) => ({
      id: row.id,
      owner: row.owner,
      startedAt: row.started_at,
      lastSeenAt: row.last_seen_at,
      running: row.running,
      version: row.version,
      bootId: row.boot_id,
    }))
  }
}
