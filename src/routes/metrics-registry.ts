import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { JobEngine } from '../jobs/engine.ts'
import type { JobEvent } from '../jobs/events.ts'
import { JobState, TERMINAL_STATES } from '../model/job-state.ts'
import type { Store } from '../store/store.ts'

export interface MetricsOptions {
  /** Source of job events, registered types (the only `type` label values) and running slots. */
  engine: JobEngine
  /** Read on each scrape for the per-state gauges. */
  store: Store
}

/** Label of a job whose type is no longer registered (a run recovered after a deploy). */
const UNREGISTERED_TYPE = 'unregistered'

/** Jobs run from a millisecond (noop) to hours (batch work). */
const JOB_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14_400]
/** QUALITY P5 wants lateness p99 ≤ 3 ms, so the buckets are dense around 1–5 ms. */
const LATENESS_BUCKETS = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 30]
/** From a cached GET (sub-ms) to a long-poll wait (up to 600 s, MAX_WAIT_MS). */
const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60, 600]

let processRegistry: Registry | undefined

/**
 * Process metrics (CPU, memory, GC, event-loop delay) describe the process, not one app, and
 * `collectDefaultMetrics` starts a GC observer and a delay monitor that cannot be stopped. So
 * they live in one registry per process, created on first use (not prom-client's global one),
 * and every app's scrape merges it: a test run that builds a hundred apps starts them once.
 */
function sharedProcessRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

/**
 * jobvisor's Prometheus metrics, in a registry of its own per app instance. Job metrics follow
 * the engine's events; per-state gauges are read from the store on each scrape, so they are right
 * even for changes made by other instances sharing the database.
 */
export class Metrics {
  /** This app's metrics only; `render` adds the process metrics. */
  readonly registry = new Registry()
  readonly #exposed: Registry
  readonly #engine: JobEngine
  readonly #store: Store
  readonly #created: Counter<'type'>
  readonly #finished: Counter<'type' | 'state'>
  readonly #duration: Histogram<'type' | 'state'>
  readonly #lateness: Histogram
  readonly #http: Histogram<'method' | 'route' | 'status_code'>
  readonly #unsubscribe: () => void
  #counting: Promise<Record<JobState, number>> | null = null

  constructor({ engine, store }: MetricsOptions) {
    this.#engine = engine
    this.#store = store
    const registers = [this.registry]
    const types = () => engine.registry.names()
    this.#created = new Counter({
      name: 'jobvisor_jobs_created_total',
      help: 'Jobs created through this instance, by type',
      labelNames: ['type'],
      registers,
      // Zero series for every type from the first scrape, so rate() works from the start.
      collect: () => {
        for (const type of types()) this.#created.inc({ type }, 0)
      },
    })
    this.#finished = new Counter({
      name: 'jobvisor_jobs_finished_total',
      help: 'Jobs that reached a terminal state on this instance, by type and state',
      labelNames: ['type', 'state'],
      registers,
      collect: () => {
        for (const type of types())
          for (const state of TERMINAL_STATES) this.#finished.inc({ type, state }, 0)
      },
    })
    this.#duration = new Histogram({
      name: 'jobvisor_job_duration_seconds',
      help: 'Run time of finished jobs (finishedAt − startedAt of the last attempt), by type and state',
      labelNames: ['type', 'state'],
      buckets: JOB_DURATION_BUCKETS,
      registers,
    })
    this.#lateness = new Histogram({
      name: 'jobvisor_schedule_lateness_seconds',
      help: 'How late schedule runs started after their due time',
      buckets: LATENESS_BUCKETS,
      registers,
    })
    this.#http = new Histogram({
      name: 'jobvisor_http_request_duration_seconds',
      help: 'HTTP request duration, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_BUCKETS,
      registers,
    })
    new Gauge({
      name: 'jobvisor_jobs_running',
      help: 'Jobs executing in this process (running or cancelling): occupied concurrency slots',
      registers,
      collect() {
        this.set(engine.runningCount)
      },
    })
    const byState = this.#stateCounts.bind(this)
    new Gauge({
      name: 'jobvisor_jobs_queued',
      help: 'Jobs ready to run and waiting for a slot (state queued), across all instances',
      registers,
      async collect() {
        this.set((await byState()).queued)
      },
    })
    new Gauge({
      name: 'jobvisor_jobs',
      help: 'Stored jobs by state, across all instances sharing the database',
      labelNames: ['state'],
      registers,
      async collect() {
        const counts = await byState()
        for (const state of JobState.options) this.set({ state }, counts[state])
      },
    })
    this.#exposed = Registry.merge([this.registry, sharedProcessRegistry()])
    this.#unsubscribe = engine.events.on('job', (event) => this.#onJobEvent(event))
  }

  /** `text/plain; version=0.0.4; charset=utf-8`, the Prometheus text format. */
  get contentType(): string {
    return this.#exposed.contentType
  }

  /** The exposition text: this app's metrics and the process metrics. */
  render(): Promise<string> {
    return this.#exposed.metrics()
  }

  /** Called by the scheduler for each run: actual start − due time, in seconds. */
  observeScheduleLateness(seconds: number): void {
    // A run is never early by design; clock granularity can make it look so by a hair.
    this.#lateness.observe(Math.max(0, seconds))
  }

  /** `route` is the route pattern (`/v1/jobs/:id`) or `unmatched`, never a raw URL: bounded labels. */
  observeHttpRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.#http.observe({ method, route, status_code: statusCode }, seconds)
  }

  /** Stops following the engine's events. */
  close(): void {
    this.#unsubscribe()
  }

  #onJobEvent({ type, job, remote }: JobEvent): void {
    // Counters count this instance's work; another instance's events are its own to count.
    if (remote) return
    const typeLabel = this.#engine.registry.get(job.type) ? job.type : UNREGISTERED_TYPE
    if (type === 'job:created') this.#created.inc({ type: typeLabel })
    if (type !== 'job:finished') return
    this.#finished.inc({ type: typeLabel, state: job.state })
    if (job.startedAt !== null && job.finishedAt !== null) {
      this.#duration.observe({ type: typeLabel, state: job.state }, (job.finishedAt - job.startedAt) / 1000)
    }
  }

  /** One store query per scrape, shared by the gauges that prom-client collects concurrently. */
  #stateCounts(): Promise<Record<JobState, number>> {
    this.#counting ??= this.#store.jobs.countByState().finally(() => {
      this.#counting = null
    })
    return this.#counting
  }
}
