import type { NewJob } from '../../src/model/job.ts'

/** A fixed instant (2027-01-15) that store-level tests use as "now". */
export const T0 = 1_800_000_000_000

let seq = 0
/** A valid row for `store.jobs.insert*`, unique id each call; tests override what they care about. */
export const newJob = (overrides: Partial<NewJob> = {}): NewJob => ({
  id: `01TEST${String(++seq).padStart(20, '0')}`,
  type: 'noop',
  params: {},
  state: 'queued',
  priority: 0,
  timeoutMs: null,
  runAt: null,
  retry: { maxAttempts: 1 },
  labels: {},
  scheduleId: null,
  dueAt: null,
  createdAt: T0,
  ...overrides,
})
