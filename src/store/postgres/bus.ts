import { randomUUID } from 'node:crypto'
import pg from 'pg'
import type { Logger } from 'pino'
import type { BusMessage, JobSignal, ScheduleSignal, StoreBus } from '../bus.ts'
import type { PgDatabase } from './db.ts'
import { LISTENER_NAME, Peers } from './peers.ts'

const CHANNEL = 'jobvisor'
/** A notification: a batch of signals, or a new instance's hello (see Peers). */
type Received = BusMessage & { hello?: true }
/** PostgreSQL caps a notification's payload at 8000 bytes; larger batches go out in parts. */
const MAX_PAYLOAD = 7900
/** Reconnect delays of the listening connection after it was lost. */
const RECONNECT_FIRST_MS = 100
const RECONNECT_MAX_MS = 5000

/**
 * LISTEN/NOTIFY between instances: one dedicated connection listens; what a turn publishes goes
 * out as few notifications as fit, one batch in flight at a time (what comes meanwhile goes with
 * the next), and nothing goes out while no other instance listens (see Peers). A lost listening
 * connection is reopened with backoff, and listeners get `resync`, since what was sent meanwhile
 * is gone (they re-read; the polls that remain are the fallback).
 */
export class PgBus implements StoreBus {
  readonly #url: string
  readonly #db: PgDatabase
  /** Tells this process's own notifications (which come back to it) from the others'. */
  readonly #owner = randomUUID()
  readonly #logger: Logger | undefined
  readonly #listeners = new Set<(message: BusMessage | 'resync') => void>()
  #client: pg.Client | null = null
  #jobs: JobSignal[] = []
  #schedules: ScheduleSignal[] = []
  #scheduled = false
  /** The notifications being sent, while they are. */
  #sending: Promise<void> | null = null
  readonly #peers: Peers
  #closed = false
  #delay = RECONNECT_FIRST_MS
  #reconnect: NodeJS.Timeout | null = null

  constructor(url: string, db: PgDatabase, logger?: Logger, peerCheckMs?: number) {
    this.#url = url
    this.#db = db
    this.#logger = logger
    this.#peers = new Peers(db, () => this.#client !== null, peerCheckMs)
  }

  /** Whether another instance listens (exposed for tests). */
  get peersPresent(): boolean {
    return this.#peers.present
  }

  /** Counts the other listeners now (exposed for tests; a timer does it every PEER_CHECK_MS). */
  checkPeers(): Promise<void> {
    return this.#peers.check()
  }

  /** Opens the listening connection; resolves once it listens (a start-up failure rejects). */
  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url, application_name: LISTENER_NAME })
    client.on('error', (err) => this.#lost(client, err))
    client.on('end', () => this.#lost(client, new Error('the listening connection ended')))
    client.on('notification', (n) => this.#receive(n.payload))
    await client.connect()
    await client.query(`LISTEN ${CHANNEL}`)
    this.#client = client
    this.#delay = RECONNECT_FIRST_MS
    // From now on this instance hears everything: the others must publish again if they had stopped.
    await client.query('SELECT pg_notify($1, $2)', [
      CHANNEL,
      JSON.stringify({ from: this.#owner, hello: true }),
    ])
    this.#peers.start()
  }

  publishJob(signal: JobSignal): void {
    this.#jobs.push(signal)
    this.#schedule()
  }

  publishSchedule(signal: ScheduleSignal): void {
    this.#schedules.push(signal)
    this.#schedule()
  }

  subscribe(listener: (message: BusMessage | 'resync') => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#peers.stop()
    if (this.#reconnect !== null) clearTimeout(this.#reconnect)
    await this.#sending
    await this.#flush()
    const client = this.#client
    this.#client = null
    await client?.end().catch(() => {})
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    // setImmediate: the signals of every timer and socket of this turn share one notification.
    setImmediate(() => void this.#flush())
  }

  async #flush(): Promise<void> {
    this.#scheduled = false
    if (this.#sending !== null) return // its end schedules the next flush
    if (!this.#peers.present) {
      this.#jobs.length = 0
      this.#schedules.length = 0
      return
    }
    this.#sending = this.#send()
    await this.#sending
    this.#sending = null
    if (this.#jobs.length > 0 || this.#schedules.length > 0) this.#schedule()
  }

  async #send(): Promise<void> {
    const parts: BusMessage[] = []
    let part: BusMessage = { from: this.#owner, jobs: [], schedules: [] }
    let size = 0
    const add = (kind: 'jobs' | 'schedules', signal: JobSignal | ScheduleSignal) => {
      const length = JSON.stringify(signal).length + 1
      if (size + length > MAX_PAYLOAD - 60 && size > 0) {
        parts.push(part)
        part = { from: this.#owner, jobs: [], schedules: [] }
        size = 0
      }
      ;(part[kind] as (JobSignal | ScheduleSignal)[]).push(signal)
      size += length
    }
    for (const s of this.#jobs.splice(0)) add('jobs', s)
    for (const s of this.#schedules.splice(0)) add('schedules', s)
    if (size > 0) parts.push(part)
    for (const message of parts) {
      try {
        await this.#db.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(message)])
      } catch (err) {
        // The others fall back on their polls; the database fault itself is the health's to report.
        this.#logger?.debug({ err }, 'notifying other instances failed')
      }
    }
  }

  #receive(payload: string | undefined): void {
    if (payload === undefined) return
    let message: Received
    try {
      message = JSON.parse(payload) as Received
    } catch {
      return
    }
    if (message.from === this.#owner) return
    if (message.hello) {
      this.#peers.arrived()
      return
    }
    for (const listener of this.#listeners) listener(message)
  }

  #lost(client: pg.Client, err: Error): void {
    if (this.#client !== client || this.#closed) return
    this.#client = null
    client.end().catch(() => {})
    this.#logger?.warn({ err: err.message }, 'listening for other instances lost; reconnecting')
    const retry = () => {
      this.#reconnect = null
      if (this.#closed) return
      this.start().then(
        () => {
          this.#logger?.info('listening for other instances again')
          for (const listener of this.#listeners) listener('resync')
        },
        () => {
          this.#delay = Math.min(this.#delay * 2, RECONNECT_MAX_MS)
          this.#reconnect = setTimeout(retry, this.#delay)
          this.#reconnect.unref()
        },
      )
    }
    this.#reconnect = setTimeout(retry, this.#delay)
    this.#reconnect.unref()
  }
}
