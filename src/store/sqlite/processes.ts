import type { ProcessRecord, ProcessStore } from '../process-store.ts'
import type { SqliteConnection } from './connection.ts'
import type { WriteQueue } from './write-queue.ts'

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

const fromRow = (row: ProcessRow): ProcessRecord => ({
  id: row.id,
  jobId: row.job_id,
  attempt: row.attempt,
  owner: row.owner,
  bootId: row.boot_id,
  cgroup: row.cgroup,
  pid: row.pid,
  startTicks: row.start_ticks,
  createdAt: row.created_at,
})

/** Command run processes in SQLite; writes join the per-turn write batch. */
export class SqliteProcessStore implements ProcessStore {
  readonly #stmt: SqliteConnection['stmt']
  readonly #writes: WriteQueue

  constructor(connection: SqliteConnection, writes: WriteQueue) {
    this.#stmt = (sql) => connection.stmt(sql)
    this.#writes = writes
  }

  async record(r: ProcessRecord): Promise<void> {
    await this.#writes.enqueue(() =>
      this.#stmt(
        `INSERT INTO command_processes (id, job_id, attempt, owner, boot_id, cgroup, pid, start_ticks, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(r.id, r.jobId, r.attempt, r.owner, r.bootId, r.cgroup, r.pid, r.startTicks, r.createdAt),
    )
  }

  async setLeader(id: string, pid: number, startTicks: number | null): Promise<void> {
    await this.#writes.enqueue(() =>
      this.#stmt('UPDATE command_processes SET pid = ?, start_ticks = ? WHERE id = ?').run(
        pid,
        startTicks,
        id,
      ),
    )
  }

  async forget(id: string): Promise<void> {
    await this.#writes.enqueue(() => this.#stmt('DELETE FROM command_processes WHERE id = ?').run(id))
  }

  async listForeign(owner: string): Promise<ProcessRecord[]> {
    const rows = this.#stmt('SELECT * FROM command_processes WHERE owner != ? ORDER BY created_at').all(
      owner,
    ) as ProcessRow[]
    return rows.map(fromRow)
  }
}
