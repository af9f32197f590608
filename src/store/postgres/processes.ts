import type { ProcessRecord, ProcessStore } from '../process-store.ts'
import type { PgDatabase } from './db.ts'

interface ProcessRow {
  id: string
  job_id: string
  attempt: number
  owner: string
  boot_id: string | null
  cgroup: string | null
  pid: number | null
  start_ticks: number | null
  created_at: number
}

/** Command run processes in PostgreSQL (see the port for what they are for). */
export class PgProcessStore implements ProcessStore {
  readonly #db: PgDatabase

  constructor(db: PgDatabase) {
    this.#db = db
  }

  async record(r: ProcessRecord): Promise<void> {
    await this.#db.query(
      `INSERT INTO command_processes (id, job_id, attempt, owner, boot_id, cgroup, pid, start_ticks, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [r.id, r.jobId, r.attempt, r.owner, r.bootId, r.cgroup, r.pid, r.startTicks, r.createdAt],
    )
  }

  async setLeader(id: string, pid: number, startTicks: number | null): Promise<void> {
    await this.#db.query('UPDATE command_processes SET pid = $1, start_ticks = $2 WHERE id = $3', [
      pid,
      startTicks,
      id,
    ])
  }

  async forget(id: string): Promise<void> {
    await this.#db.query('DELETE FROM command_processes WHERE id = $1', [id])
  }

  async listForeign(owner: string): Promise<ProcessRecord[]> {
    const rows = await this.#db.query<ProcessRow>(
      'SELECT * FROM command_processes WHERE owner <> $1 ORDER BY created_at',
      [owner],
    )
    return rows.map((row) => ({
      id: row.id,
      jobId: row.job_id,
      attempt: row.attempt,
      owner: row.owner,
      bootId: row.boot_id,
      cgroup: row.cgroup,
      pid: row.pid,
      startTicks: row.start_ticks,
      createdAt: row.created_at,
    }))
  }
}
