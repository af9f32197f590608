/**
 * A small typed event bus. Node's EventEmitter would do, but its listener-count warning is wrong
 * for us (one listener per SSE stream or waiter) and its `error` event semantics are a trap.
 * A listener that throws is isolated: the others still run and the emitter never throws.
 */
export class EventBus<Events extends Record<string, unknown>> {
  readonly #listeners = new Map<keyof Events, Set<(payload: never) => void>>()
  readonly #onListenerError: (err: unknown) => void

  constructor(onListenerError: (err: unknown) => void = () => {}) {
    this.#onListenerError = onListenerError
  }

  on<K extends keyof Events>(name: K, listener: (payload: Events[K]) => void): () => void {
    let set = this.#listeners.get(name)
    if (!set) {
      set = new Set()
      this.#listeners.set(name, set)
    }
    set.add(listener)
    return () => this.off(name, listener)
  }

  off<K extends keyof Events>(name: K, listener: (payload: Events[K]) => void): void {
    this.#listeners.get(name)?.delete(listener)
  }

  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    const set = this.#listeners.get(name)
    if (!set) return
    for (const listener of set) {
      try {
        ;(listener as (p: Events[K]) => void)(payload)
      } catch (err) {
        this.#onListenerError(err)
      }
    }
  }

  listenerCount(name: keyof Events): number {
    return this.#listeners.get(name)?.size ?? 0
  }
}
