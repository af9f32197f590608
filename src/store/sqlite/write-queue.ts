import { isStorageFault } from '../errors.ts'
import type { StoreHealth } from '../health.ts'
import type { SqliteConnection } from './connection.ts'

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown }

interface Pending {
  run: () => unknown
  resolve: (value: never) => void
  reject: (err: unknown) => void
}

/**
 * Groups the single-row writes of one event-loop turn (creates, state transitions) into one
 * transaction. In WAL mode a commit costs ~100 µs on this class of machine and a row write ~8 µs,
 * so at a few thousand jobs a second the commits, not the rows, were the ceiling (bench P1/P2).
 *
 * Each write still runs on its own (a failing one rejects only its caller), in the order it was
 * queued, and its promise resolves only after the commit: nobody is told of a change that is not
 * stored yet. Every write of the SQLite store comes through here, so this is where storage faults
 * are seen: a fault inside any write, or in the commit, fails the whole batch and is reported to
 * the store's health; `beforeCommit` may refuse a batch (the database file is no longer there).
 */
export class WriteQueue {
  /** One transaction running a batch; made once per connection (see SqliteConnection.transaction). */
  readonly #runAll: (batch: Pending[]) => Outcome[]
  #pending: Pending[] = []
  #health: StoreHealth | null
  readonly #beforeCommit: () => void
  readonly #rolledBack: (() => void)[] = []

  constructor(
    connection: SqliteConnection,
    health: StoreHealth | null = null,
    beforeCommit: () => void = () => {},
  ) {
    this.#health = health
    this.#beforeCommit = beforeCommit
    this.#runAll = connection.transaction(
      (batch: Pending[]) =>
        batch.map((item): Outcome => {
          try {
            return { ok: true, value: item.run() }
          } catch (err) {
            // After an I/O error SQLite may have rolled the transaction back already: the rest of
            // the batch would then autocommit one by one. Fail the whole batch instead.
            if (isStorageFault(err)) throw err
            return { ok: false, err }
          }
        }),
      true,
    )
  }

  /** Reports each batch's failure or success to `health` (made after the queue: its probe writes here). */
  reportTo(health: StoreHealth): void {
    this.#health = health
  }

  /** Called when a batch fails as a whole (its writes rolled back): state kept beside the rows is stale. */
  onRollback(listener: () => void): void {
    this.#rolledBack.push(listener)
  }

  enqueue<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ run, resolve: resolve as (value: never) => void, reject })
      // setImmediate, not a microtask: writes from every timer and socket of this turn join in.
      if (this.#pending.length === 1) setImmediate(() => this.flush())
    })
  }

  flush(): void {
    const batch = this.#pending
    if (batch.length === 0) return
    this.#pending = []
    let outcomes: Outcome[]
    try {
      this.#beforeCommit()
      outcomes = this.#runAll(batch)
    } catch (err) {
      this.#health?.failed(err)
      for (const listener of this.#rolledBack) listener()
      for (const item of batch) item.reject(err)
      return
    }
    this.#health?.succeeded()
    batch.forEach((item, i) => {
      const outcome = outcomes[i]
      if (outcome?.ok) item.resolve(outcome.value as never)
      else item.reject(outcome?.err)
    })
  }
}
