import type { Logger } from 'pino'
import type { Clock, TimerHandle } from '../clock.ts'
import type { JobEngine } from '../jobs/engine.ts'
import { UnavailableError } from '../jobs/errors.ts'
import type { Store } from '../store/store.ts'
import { createScheduleEvents, type ScheduleEventBus } from './events.ts'
import { TickFirer } from './fire.ts'
import { ScheduleRelay } from './relay.ts'
import { RunFactory, seededRandom } from './run-factory.ts'
import { RunSettler } from './settle.ts'

export interface SchedulerOptions {
  store: Store
  /** Runs are created only through the engine (STYLE §A); its job events drive run-end handling. */
  engine: JobEngine
  clock: Clock
  logger: Logger
  /** Seeded [0, 1) for jitter; tests may pin it. */
  random?: (seed: string) => number
  /** Run lateness in seconds (metrics' observeScheduleLateness). */
  observeLateness?: (seconds: number) => void
  /** Whether an event stream wants other instances' schedule events (a shared store only). */
  remoteEventWanted?: () => boolean
}

/** croner's cap: survives host sleep, clock jumps and setTimeout's 2^31−1 ms limit. */
const MAX_SLEEP_MS = 30_000
/** A schedule whose tick failed (store error, full queue) is retried after this, not in a hot loop. */
const RETRY_AFTER_ERROR_MS = 1000
/** Due schedules read per store query; a pass repeats until none is left. */
const BATCH = 256
/** How often runs that ended unseen (a lost event, a failed write) are looked for again. */
const RECONCILE_EVERY_MS = 30_000

/**
 * SPEC §6 scheduler: one timer for all schedules, armed for the earliest due time in the store.
 * The timer is a hint: each wake re-reads the clock and asks the store what is due (STYLE §E).
 * One failing schedule is logged and retried later; it never ends the loop.
 */
export class Scheduler {
  /** schedule:* events, emitted after each change is stored (SSE, tests). */
  readonly events: ScheduleEventBus
  /** Makes runs (ticks, manual runs) and cancels them; shared with the lifecycle controls. */
  readonly runs: RunFactory
  /** Moves schedules on when their runs end. */
  readonly settler: RunSettler
  readonly #o: SchedulerOptions
  readonly #ticks: TickFirer
  readonly #failed = new Map<string, number>()
  #stopped = true
  #timer: TimerHandle | null = null
  #timerAt: number | null = null
  /** 'pass': firing; 'arming': reading the next due time (dues noted meanwhile land in #noted). */
  #phase: 'idle' | 'pass' | 'arming' = 'idle'
  #noted = Number.POSITIVE_INFINITY
  #wake: Promise<void> = Promise.resolve()
  #reconciledAt = Number.NEGATIVE_INFINITY
  #unsubscribe: (() => void) | null = null
  readonly #relay: ScheduleRelay | null = null

  constructor(options: SchedulerOptions) {
    this.#o = options
    this.events = createScheduleEvents((err) =>
      options.logger.error({ err }, 'schedule event listener failed'),
    )
    const deps = { ...options, events: this.events, random: options.random ?? seededRandom }
    this.runs = new RunFactory(deps)
    this.settler = new RunSettler({ ...deps, runs: this.runs, noteDue: (at) => this.noteDue(at) })
    this.#ticks = new TickFirer({ ...deps, runs: this.runs, settle: (id) => this.settler.settle(id) })
    const bus = options.store.bus
    if (bus) {
      this.#relay = new ScheduleRelay({
        bus,
        store: options.store,
        events: this.events,
        logger: options.logger,
        noteDue: (at) => this.noteDue(at),
        resync: () => this.noteDue(this.#o.clock.now()),
        wanted: () => options.remoteEventWanted?.() ?? false,
      })
    }
  }

  /** Follows run events, settles what ended while down, then fires what is due. */
  async start(): Promise<void> {
    if (!this.#stopped) return
    this.#stopped = false
    this.#unsubscribe = this.#o.engine.events.on('job', this.settler.onJobEvent)
    this.#relay?.start()
    this.#startWake()
  }

  /** No more firing; resolves once the pass and the run handlers under way have finished. */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#clearTimer()
    this.#unsubscribe?.()
    this.#unsubscribe = null
    this.#relay?.stop()
    await this.#wake
    await this.settler.idle()
  }

  /** Makes the timer fire no later than `at` (epoch ms); called after every write of a due time. */
  noteDue(at: number | null): void {
    if (this.#stopped || at === null) return
    // A pass re-reads the store when it ends; an arming step picks this up when its read returns.
    if (this.#phase === 'pass') return
    if (this.#phase === 'arming') {
      this.#noted = Math.min(this.#noted, at)
      return
    }
    if (this.#timerAt === null || at < this.#timerAt) this.#arm(at)
  }

  #startWake(): void {
    this.#timer = null
    this.#timerAt = null
    this.#wake = this.#runWake()
  }

  async #runWake(): Promise<void> {
    if (this.#stopped) return
    this.#phase = 'pass'
    try {
      const now = this.#o.clock.now()
      if (now - this.#reconciledAt >= RECONCILE_EVERY_MS) {
        this.#reconciledAt = now
        await this.settler.reconcile()
      }
      await this.#pass()
    } catch (err) {
      this.#o.logger.error({ err }, 'scheduler pass failed')
    }
    this.#phase = 'arming'
    this.#noted = Number.POSITIVE_INFINITY
    let next: number
    try {
      next = await this.#nextWake()
    } catch (err) {
      this.#o.logger.error({ err }, 'reading the next due schedule failed')
      next = this.#o.clock.now() + RETRY_AFTER_ERROR_MS
    }
    this.#phase = 'idle'
    if (!this.#stopped) this.#arm(Math.min(next, this.#noted))
  }

  /** Fires every due schedule, a batch at a time, until none is due (or only failing ones are). */
  async #pass(): Promise<void> {
    // Bounded: a schedule that stays due after its tick (another writer keeps moving it) must not
    // pin the loop; the re-arm after the pass comes straight back for what is left.
    for (let round = 0; round < 16; round++) {
      const now = this.#o.clock.now()
      for (const [id, retryAt] of this.#failed) if (retryAt <= now) this.#failed.delete(id)
      const due = await this.#o.store.schedules.due(now, BATCH + this.#failed.size)
      // Concurrently: schedules are independent, and each tick is a chain of store commits (one
      // per event-loop turn), so firing them one after another made the last of 100 due schedules
      // wait ~2 turns per schedule before it — tens of ms of lateness (bench P5).
      const firing = due.filter((s) => !this.#failed.has(s.id))
      const fired = firing.length
      await Promise.all(
        firing.map(async (s) => {
          if (this.#stopped) return
          try {
            await this.#ticks.fire(s, now)
          } catch (err) {
            // A full queue or a drain refuses new jobs (503 to clients): expected, so no error line.
            if (err instanceof UnavailableError)
              this.#o.logger.warn({ scheduleId: s.id, reason: err.message }, 'schedule tick deferred')
            else this.#o.logger.error({ err, scheduleId: s.id }, 'schedule tick failed; retrying shortly')
            this.#failed.set(s.id, now + RETRY_AFTER_ERROR_MS)
          }
        }),
      )
      if (this.#stopped) return
      if (fired < BATCH) return
    }
  }

  /** Earliest of: the next due (failing schedules aside), a failing one's retry, the 30 s cap. */
  async #nextWake(): Promise<number> {
    const now = this.#o.clock.now()
    const next = await this.#o.store.schedules.nextRunAt([...this.#failed.keys()])
    return Math.min(next ?? Number.POSITIVE_INFINITY, ...this.#failed.values(), now + MAX_SLEEP_MS)
  }

  #arm(at: number): void {
    this.#clearTimer()
    const now = this.#o.clock.now()
    const wait = Math.min(Math.max(at - now, 0), MAX_SLEEP_MS)
    this.#timerAt = now + wait
    this.#timer = this.#o.clock.setTimeout(() => this.#startWake(), wait)
  }

  #clearTimer(): void {
    if (this.#timer !== null) this.#o.clock.clearTimeout(this.#timer)
    this.#timer = null
    this.#timerAt = null
  }
}
