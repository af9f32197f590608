/**
 * A job-shaped body (the fields of jobvisor's job resource, SPEC §4), so a reference's replies
 * cost as much to serialize and send as jobvisor's, and bench/lib/jobs.ts parses them alike.
 */
export interface JobShape {
  id: string
  type: string
  state: string
  params?: unknown
  createdAt: number
  startedAt?: number | null
  finishedAt?: number | null
}

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString())

export function jobView(job: JobShape) {
  return {
    id: job.id,
    type: job.type,
    params: job.params ?? {},
    state: job.state,
    priority: 0,
    timeoutMs: null,
    runAt: null,
    retry: { maxAttempts: 1 },
    attempt: 1,
    labels: {},
    scheduleId: null,
    dueAt: null,
    instance: null,
    progress: null,
    result: null,
    error: null,
    cancel: null,
    createdAt: iso(job.createdAt) as string,
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    updatedAt: iso(job.finishedAt ?? job.startedAt ?? job.createdAt) as string,
  }
}
