import type { EventBus } from '../events.ts'

/** What a source turns one payload of its bus into. */
export interface HubEventInput {
  /** `noun:verb` name such as `job:finished`; one of the source's declared `types`. */
  type: string
  /** The job the event is about, for the `jobId` filter; null for non-job events. */
  jobId: string | null
  /** The schedule the event belongs to (a run's `scheduleId`), for the `scheduleId` filter. */
  scheduleId: string | null
  /** The JSON payload; called at most once, and only while someone may read the event. */
  data: () => unknown
}

/** One published event, as subscribers and the replay buffer hold it. */
export interface HubEvent {
  /** Consecutive: every published event takes the next id, so a gap always means a loss. */
  readonly id: number
  readonly type: string
  readonly jobId: string | null
  readonly scheduleId: string | null
  /** `data()` rendered once, shared by every subscriber and the replay buffer. */
  readonly json: string
}

/** How one bus channel feeds the hub: its event names and the mapping of its payloads. */
export interface HubSource<P> {
  /** Every `type` this source may emit; the `types` filter is validated against them. */
  readonly types: readonly string[]
  toEvent(payload: P): HubEventInput
}

/** Conditions an event must meet, all of them, to reach a subscriber. */
export interface EventFilter {
  jobId?: string
  scheduleId?: string
  types?: ReadonlySet<string>
}

/** What a subscriber missed: nothing asked (`live`), the missed events, or `reset` when they are gone. */
export type Resume = { kind: 'live' } | { kind: 'replay'; events: HubEvent[] } | { kind: 'reset' }

export interface Subscription {
  /** Computed in the same synchronous step as the subscription, so nothing falls in between. */
  resume: Resume
  /** Id of the newest event published before the subscription: where a client may resume from. */
  position: number
  unsubscribe(): void
}

export interface EventHubOptions {
  /** Most events kept for replay; 10,000 covers minutes of a busy service's history. */
  capacity?: number
  /** Most bytes of rendered JSON kept for replay: a job event can carry a 1 MiB result. */
  maxBytes?: number
  /**
   * How long events are still kept after the last subscriber left, for it to reconnect. With no
   * subscriber for longer, events are neither rendered nor kept: an unwatched hub costs nothing.
   */
  idleRetentionMs?: number
  /** Id of the first event. Defaults to start time in µs so ids of a previous process never match. */
  firstId?: number
  now?: () => number
  /** A subscriber that throws is reported here; the others still get the event. */
  onError?: (err: unknown) => void
}

interface Subscriber {
  filter: EventFilter
  listener: (event: HubEvent) => void
}

export const matches = (filter: EventFilter, event: HubEvent): boolean =>
  (filter.jobId === undefined || filter.jobId === event.jobId) &&
  (filter.scheduleId === undefined || filter.scheduleId === event.scheduleId) &&
  (filter.types === undefined || filter.types.has(event.type))

/**
 * Fans events from any number of typed buses out to subscribers, with a bounded replay buffer.
 * It knows nothing of HTTP or SSE framing, so another transport (WebSocket, long poll) can reuse it.
 * Invariant: the buffer holds the events with ids `lastId − size + 1 … lastId`, without a gap
 * (an event that is not kept empties it), which is what lets `subscribe` detect any loss.
 */
export class EventHub {
  readonly #subscribers = new Set<Subscriber>()
  readonly #types = new Set<string>()
  readonly #ring: (HubEvent | undefined)[]
  readonly #maxBytes: number
  readonly #idleRetentionMs: number
  readonly #now: () => number
  readonly #onError: (err: unknown) => void
  #head = 0
  #size = 0
  #bytes = 0
  #lastId: number
  #retainUntil = Number.NEGATIVE_INFINITY

  constructor(options: EventHubOptions = {}) {
    this.#ring = new Array(options.capacity ?? 10_000)
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024
    this.#idleRetentionMs = options.idleRetentionMs ?? 5 * 60_000
    this.#now = options.now ?? Date.now
    this.#onError = options.onError ?? (() => {})
    this.#lastId = (options.firstId ?? Date.now() * 1000) - 1
  }

  /** Feeds `channel` of `bus` into the hub; returns a function that stops it. */
  addSource<E extends Record<string, unknown>, K extends keyof E>(
    bus: EventBus<E>,
    channel: K,
    source: HubSource<E[K]>,
  ): () => void {
    for (const type of source.types) this.#types.add(type)
    // Unwatched, not even the event's input is made (three objects per job event, P2).
    return bus.on(channel, (payload) => {
      if (!this.#skipUnwatched()) this.#publish(source.toEvent(payload))
    })
  }

  /** Event names of every source, for validating a `types` filter. */
  get knownTypes(): ReadonlySet<string> {
    return this.#types
  }

  get subscriberCount(): number {
    return this.#subscribers.size
  }

  /** Publishes one event; returns it, or null when nobody watches and it was not even rendered. */
  publish(input: HubEventInput): HubEvent | null {
    return this.#skipUnwatched() ? null : this.#publish(input)
  }

  /** Renders, keeps and delivers an event someone may read. */
  #publish(input: HubEventInput): HubEvent {
    // Render before taking an id: a render that throws must not leave a gap in the buffer.
    const json = JSON.stringify(input.data() ?? null)
    const event: HubEvent = {
      id: this.#lastId + 1,
      type: input.type,
      jobId: input.jobId,
      scheduleId: input.scheduleId,
      json,
    }
    this.#lastId = event.id
    this.#keep(event)
    for (const subscriber of this.#subscribers) {
      if (!matches(subscriber.filter, event)) continue
      try {
        subscriber.listener(event)
      } catch (err) {
        this.#onError(err)
      }
    }
    return event
  }

  /** With nobody watching past the idle retention, an event only takes its id: true then. */
  #skipUnwatched(): boolean {
    if (this.#subscribers.size > 0 || this.#now() < this.#retainUntil) return false
    this.#lastId += 1
    this.#clear()
    return true
  }

  /** Subscribes; with `after` (a Last-Event-ID) the missed events matching `filter` come back too. */
  subscribe(filter: EventFilter, listener: (event: HubEvent) => void, after?: number): Subscription {
    const subscriber: Subscriber = { filter, listener }
    const resume = after === undefined ? ({ kind: 'live' } as const) : this.#missedSince(after, filter)
    this.#subscribers.add(subscriber)
    return {
      resume,
      position: this.#lastId,
      unsubscribe: () => {
        if (!this.#subscribers.delete(subscriber)) return
        if (this.#subscribers.size === 0) this.#retainUntil = this.#now() + this.#idleRetentionMs
      },
    }
  }

  #missedSince(after: number, filter: EventFilter): Resume {
    const oldest = this.#lastId - this.#size + 1
    // An id from the future belongs to another process (a restart, another instance): unknown.
    if (after > this.#lastId || after < oldest - 1) return { kind: 'reset' }
    const events: HubEvent[] = []
    for (let id = after + 1; id <= this.#lastId; id++) {
      const event = this.#ring[(this.#head + (id - oldest)) % this.#ring.length] as HubEvent
      if (matches(filter, event)) events.push(event)
    }
    return { kind: 'replay', events }
  }

  #keep(event: HubEvent): void {
    if (this.#size === this.#ring.length) this.#evictOldest()
    this.#ring[(this.#head + this.#size) % this.#ring.length] = event
    this.#size += 1
    this.#bytes += event.json.length
    while (this.#bytes > this.#maxBytes && this.#size > 1) this.#evictOldest()
  }

  #evictOldest(): void {
    const oldest = this.#ring[this.#head] as HubEvent
    this.#ring[this.#head] = undefined
    this.#head = (this.#head + 1) % this.#ring.length
    this.#size -= 1
    this.#bytes -= oldest.json.length
  }

  #clear(): void {
    if (this.#size === 0) return
    this.#ring.fill(undefined)
    this.#head = 0
    this.#size = 0
    this.#bytes = 0
  }
}
