import type { Writable } from 'node:stream'
import type { HubEvent, Resume } from './event-hub.ts'

export interface SseStreamOptions {
  /** Interval of `: ping` comments, which keep proxies from closing an idle stream. */
  heartbeatMs: number
  /** Reconnect delay suggested to the client (`retry:`). */
  retryMs: number
  /**
   * Characters of frames queued while the socket refuses more (`write` returned false). Beyond
   * it the client is too slow and is dropped: it reconnects with Last-Event-ID and catches up
   * from the replay buffer, which is cheaper for us than buffering without a bound.
   */
  maxQueued: number
}

/**
 * Writes Server-Sent Events (the `text/event-stream` framing of the WHATWG HTML spec) to one
 * client, with heartbeats and a bounded queue. The caller has already sent the response head.
 * `onClose` runs exactly once, whether the client left, was dropped, or `end` was called.
 */
export class SseStream {
  readonly #out: Writable
  readonly #options: SseStreamOptions
  readonly #onClose: (reason: 'closed' | 'slow') => void
  readonly #heartbeat: NodeJS.Timeout
  #queue: string[] = []
  #queued = 0
  #blocked = false
  #closed = false
  #corked = false

  constructor(out: Writable, options: SseStreamOptions, onClose: (reason: 'closed' | 'slow') => void) {
    this.#out = out
    this.#options = options
    this.#onClose = onClose
    this.#heartbeat = setInterval(() => {
      // A blocked stream has data pending anyway; a ping would only grow the queue.
      if (!this.#blocked) this.#write(': ping\n\n')
    }, options.heartbeatMs)
    // The stream's own lifetime is bounded by its socket; the timer must not keep a process alive.
    this.#heartbeat.unref()
    out.once('close', () => this.#release('closed'))
    if (out.destroyed) this.#release('closed')
  }

  get isClosed(): boolean {
    return this.#closed
  }

  /**
   * First frames: the retry hint, then what the client missed. The bare `id:` frame dispatches
   * nothing, but sets the client's last event id, so a client that disconnects before the next
   * event still resumes from the right place. A reset carries that id for the same reason.
   */
  open(resume: Resume, position: number): void {
    this.#write(`retry: ${this.#options.retryMs}\n\n`)
    if (resume.kind === 'reset') {
      const data = { type: 'reset', reason: 'events since Last-Event-ID are no longer buffered; re-list' }
      this.#write(`id: ${position}\nevent: reset\ndata: ${JSON.stringify(data)}\n\n`)
      return
    }
    if (resume.kind === 'replay') for (const event of resume.events) this.send(event)
    this.#write(`id: ${position}\n\n`)
  }

  /** `data` is single-line JSON (JSON.stringify escapes newlines), so one `data:` line suffices. */
  send(event: HubEvent): void {
    this.#write(`id: ${event.id}\nevent: ${event.type}\ndata: ${event.json}\n\n`)
  }

  /** Ends the response cleanly (shutdown); the client reconnects after `retry`. */
  end(): void {
    if (this.#closed) return
    this.#release('closed')
    this.#out.end()
  }

  #write(frame: string): void {
    if (this.#closed) return
    if (this.#blocked) {
      this.#queue.push(frame)
      this.#queued += frame.length
      if (this.#queued > this.#options.maxQueued) this.#drop()
      return
    }
    // Events come in runs (a claim starts hundreds of jobs in one step): frames written in the same
    // step leave in one socket write at the end of it, not one syscall and TCP segment per event.
    if (!this.#corked) {
      this.#corked = true
      this.#out.cork()
      process.nextTick(() => {
        this.#corked = false
        this.#out.uncork()
      })
    }
    if (!this.#out.write(frame)) this.#block()
  }

  #block(): void {
    this.#blocked = true
    this.#out.once('drain', () => this.#flush())
  }

  /** The socket drained: what queued meanwhile leaves in one write. */
  #flush(): void {
    this.#blocked = false
    if (this.#closed || this.#queue.length === 0) return
    const frames = this.#queue.join('')
    this.#queue = []
    this.#queued = 0
    if (!this.#out.write(frames)) this.#block()
  }

  #drop(): void {
    this.#release('slow')
    this.#out.destroy()
  }

  #release(reason: 'closed' | 'slow'): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#heartbeat)
    this.#queue = []
    this.#queued = 0
    this.#onClose(reason)
  }
}
