import type { JobTypeRegistry } from './registry.ts'

/**
 * The runner's capacity bookkeeping: slots held by running jobs and promised to creates that
 * skip the queue, overall and per type, and what this process knows about the queue. Kept apart
 * from the claim loop so that every rule about "may one more job run now" sits in one place.
 */
export class Slots {
  readonly #max: number
  readonly #registry: JobTypeRegistry
  /** The store is this process's alone: only then can it know the queue is empty. */
  readonly #exclusive: boolean
  #running = 0
  readonly #typeRunning = new Map<string, number>()
  #reserved = 0
  readonly #typeReserved = new Map<string, number>()
  /** Attempts that settled and whose outcome is being written: their slot is free for claims only. */
  #storing = 0
  readonly #typeStoring = new Map<string, number>()
  /**
   * True only while the store holds no queued job: set by a claim that found none while no write
   * that may queue a job was in flight, cleared when such a write begins.
   */
  #queueEmpty = false
  /**
   * Set only while every queued job is of a type that was held back (at its per-type limit) by
   * the claim that found nothing: those types, set by such a claim, null again when a write that
   * may queue a job begins. Claims of those types keep it: they only take from the held-back jobs.
   */
  #heldBack: readonly string[] | null = null
  #generation = 0
  #queueing = 0

  constructor(max: number, registry: JobTypeRegistry, exclusive: boolean) {
    this.#max = max
    this.#registry = registry
    this.#exclusive = exclusive
  }

  /**
   * Slots a claim may take: neither running nor promised. A slot whose attempt settled counts as
   * free while its outcome is written, so the claim overlaps that write; the runner starts what
   * the claim took only once the outcomes in flight when it was sent have landed (see
   * ClaimLoop#loop), so no more than the limit of handlers ever run, and `job:finished` of the
   * attempt that gave up the slot comes before `job:started` of the one that takes it.
   */
  get free(): number {
    return this.#max - this.#running - this.#reserved
  }

  get queueKnownEmpty(): boolean {
    return this.#queueEmpty
  }

  /**
   * Nothing but jobs of types at their limit is queued (see #heldBack): a claim that comes
   * back short took all the room they had, and one more would walk the queue to find nothing.
   */
  get queueOnlyHeldBack(): boolean {
    return this.#heldBack !== null
  }

  started(type: string): void {
    this.#running++
    bump(this.#typeRunning, type, 1)
  }

  ended(type: string): void {
    this.#running--
    bump(this.#typeRunning, type, -1)
  }

  /** The attempt settled: its slot is free for claims, not yet for a create (see reserve). */
  settled(type: string): void {
    this.ended(type)
    this.#storing++
    bump(this.#typeStoring, type, 1)
  }

  /** Its outcome landed, or was given up on. */
  stored(type: string): void {
    this.#storing--
    bump(this.#typeStoring, type, -1)
  }

  /** For a claim: the types that may not run now, and the room left for limited ones. */
  typeRoom(): { excludeTypes: string[]; typeRoom: Record<string, number> } {
    const excludeTypes: string[] = []
    const typeRoom: Record<string, number> = {}
    for (const [type, max] of this.#registry.limits()) {
      const room = max - this.#busy(type)
      if (room <= 0) excludeTypes.push(type)
      else typeRoom[type] = room
    }
    return { excludeTypes, typeRoom }
  }

  /**
   * How many jobs a claim may ask for: the free slots, at most `batch`, and — while only jobs of
   * held-back types are queued — no more than those types have room for. The store reads a little
   * past the limit to skip jobs of a full type; a limit of the free slots made each claim of one
   * job behind a long run of a limited type read and decode ~200 candidates (bench P9: ~1 ms each).
   */
  claimLimit(batch: number, typeRoom: Readonly<Record<string, number>>): number {
    const limit = Math.min(batch, this.free)
    if (this.#heldBack === null) return limit
    let room = 0
    for (const type of this.#heldBack) room += typeRoom[type] ?? 0
    return Math.min(limit, room)
  }

  /**
   * A slot for a create that skips the queue: only when nothing is queued ahead of it and a slot
   * of its type is free. False means the job must queue (through whileQueueing).
   */
  reserve(type: string): boolean {
    // A create starts at once, with no outcome to wait for: the slots still storing are not free.
    if (!this.#queueEmpty || this.free - this.#storing <= 0) return false
    // One lookup, not registry.limits(): that builds a map of every type, and this runs per create.
    const limit = this.#registry.get(type)?.concurrency
    if (limit !== undefined && this.#busy(type) + (this.#typeStoring.get(type) ?? 0) >= limit) return false
    this.#reserved++
    bump(this.#typeReserved, type, 1)
    return true
  }

  unreserve(type: string): void {
    this.#reserved--
    bump(this.#typeReserved, type, -1)
  }

  /**
   * Wraps every write that may make a job `queued` (a create, a promotion, a retry, a recovery):
   * until it has landed and been claimed, no create skips the queue ahead of it.
   */
  async whileQueueing<T>(write: () => Promise<T>): Promise<T> {
    this.#queueEmpty = false
    this.#heldBack = null
    this.#generation++
    this.#queueing++
    try {
      return await write()
    } finally {
      this.#queueing--
    }
  }

  /** Taken before a claim, handed to claimedNothing after it. */
  get generation(): number {
    return this.#generation
  }

  /**
   * A claim that excluded `heldBack` (types at their limit) found nothing: with nothing queued
   * meanwhile, only jobs of those types are queued — none at all when it excluded none.
   */
  claimedNothing(generation: number, heldBack: readonly string[]): void {
    if (!this.#exclusive || generation !== this.#generation || this.#queueing !== 0) return
    if (heldBack.length > 0) this.#heldBack = heldBack
    else this.#queueEmpty = true
  }

  #busy(type: string): number {
    return (this.#typeRunning.get(type) ?? 0) + (this.#typeReserved.get(type) ?? 0)
  }
}

function bump(counts: Map<string, number>, key: string, by: 1 | -1): void {
  const next = (counts.get(key) ?? 0) + by
  if (next === 0) counts.delete(key)
  else counts.set(key, next)
}
