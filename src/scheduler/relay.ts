import type { Logger } from 'pino'
import type { ScheduleSignal, StoreBus } from '../store/bus.ts'
import type { Store } from '../store/store.ts'
import type { ScheduleEventBus, ScheduleEventName } from './events.ts'

export interface ScheduleRelayOptions {
  bus: StoreBus
  store: Store
  events: ScheduleEventBus
  logger: Logger
  /** A due time written elsewhere: this instance's timer must fire by then too (SPEC §10). */
  noteDue(at: number): void
  /** The bus was down: look at what is due now. */
  resync(): void
  /** Whether an event stream here wants the schedule records of other instances' events. */
  wanted(): boolean
}

/**
 * Schedule events across instances: local ones go out as signals; others' move this instance's
 * timer (so a schedule created or changed elsewhere fires on time here as well — the tick's
 * compare-and-set lets one instance win it) and, for event streams, are re-emitted `remote`.
 */
export class ScheduleRelay {
  readonly #o: ScheduleRelayOptions
  #off: (() => void)[] = []

  constructor(options: ScheduleRelayOptions) {
    this.#o = options
  }

  start(): void {
    const { bus, events } = this.#o
    this.#off.push(
      events.on('schedule', ({ type, schedule, jobId, dueAt, remote }) => {
        if (remote) return
        const due = schedule.state === 'active' ? schedule.nextRunAt : null
        bus.publishSchedule([type, schedule.id, due, jobId ?? null, dueAt ?? null])
      }),
      bus.subscribe((message) => {
        if (message === 'resync') this.#o.resync()
        else if (message.schedules.length > 0) void this.#receive(message.schedules)
      }),
    )
  }

  stop(): void {
    for (const off of this.#off.splice(0)) off()
  }

  async #receive(signals: readonly ScheduleSignal[]): Promise<void> {
    for (const [, , nextRunAt] of signals) if (nextRunAt !== null) this.#o.noteDue(nextRunAt)
    if (!this.#o.wanted()) return
    for (const [type, id, , jobId, dueAt] of signals) {
      let schedule: Awaited<ReturnType<Store['schedules']['get']>>
      try {
        schedule = await this.#o.store.schedules.get(id)
      } catch (err) {
        this.#o.logger.warn({ err, scheduleId: id }, 'reading a schedule changed by another instance failed')
        continue
      }
      if (!schedule) continue // deleted: its deletion reaches streams on its own instance only
      this.#o.events.emit('schedule', {
        type: type as ScheduleEventName,
        schedule,
        ...(jobId === null ? {} : { jobId }),
        ...(dueAt === null ? {} : { dueAt }),
        remote: true,
      })
    }
  }
}
