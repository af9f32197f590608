import type { Queryable } from './db.ts'

/** The listening connections' application_name: how instances of one database find each other. */
export const LISTENER_NAME = 'jobvisor-listen'
/**
 * How often the other listeners are counted: a new one says hello, so this only finds leavers (and
 * until then a few notifications go out for nobody). Reading pg_stat_activity took 30 ms on a busy
 * server here.
 */
export const PEER_CHECK_MS = 5000

// Sessions listening for jobvisor in this database, the caller's own included.
const LISTENERS = `SELECT count(*)::int AS n FROM pg_stat_activity
  WHERE datname = current_database() AND application_name = $1`

/**
 * Whether any other instance listens on this database: a notification nobody else receives is a
 * round trip and a lock on the notification queue for nothing (on a busy instance alone, about
 * half of its statements). A new instance sends `hello` as soon as it listens, which
 * every other one takes as "someone is there" at once; leavers are found by the periodic count.
 * Until the first count, and after a failed one, peers are assumed.
 */
export class Peers {
  readonly #db: Queryable
  #present = true
  #timer: NodeJS.Timeout | null = null
  #counting: Promise<void> | null = null
  #hellos = 0

  readonly #everyMs: number
  /** Whether this instance's own listening connection is up (then the count includes it). */
  readonly #listening: () => boolean

  constructor(db: Queryable, listening: () => boolean, everyMs = PEER_CHECK_MS) {
    this.#db = db
    this.#listening = listening
    this.#everyMs = everyMs
  }

  get present(): boolean {
    return this.#present
  }

  start(): void {
    if (this.#timer !== null) return
    void this.check()
    // A count still under way (a slow or unreachable database) is not queued behind.
    this.#timer = setInterval(() => {
      if (this.#counting === null) void this.check()
    }, this.#everyMs)
    this.#timer.unref()
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
  }

  /** Another instance said hello. */
  arrived(): void {
    this.#hellos++
    this.#present = true
  }

  /** Counts the listeners; after the count under way, if there is one (its answer may predate now). */
  check(): Promise<void> {
    const count = (this.#counting ?? Promise.resolve()).then(() => this.#count())
    this.#counting = count
    void count.then(() => {
      if (this.#counting === count) this.#counting = null
    })
    return count
  }

  async #count(): Promise<void> {
    // A hello that arrives while the count runs wins over a count that may predate it.
    const hellos = this.#hellos
    try {
      const [row] = await this.#db.query<{ n: number }>(LISTENERS, [LISTENER_NAME])
      const others = (row?.n ?? 1) - (this.#listening() ? 1 : 0)
      if (this.#hellos === hellos) this.#present = others > 0
    } catch {
      this.#present = true
    }
  }
}
