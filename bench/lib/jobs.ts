import { z } from 'zod'
import type { HttpClient } from './http.ts'
import { chunks } from './stats.ts'

const Time = z.string().nullable()

/** The fields of the job resource (SPEC §4) the benchmarks read. */
export const JobLite = z.object({
  id: z.string(),
  type: z.string(),
  state: z.string(),
  timeoutMs: z.number().nullable(),
  scheduleId: z.string().nullable(),
  dueAt: Time.optional(),
  createdAt: z.string(),
  startedAt: Time,
  finishedAt: Time,
})
export type JobLite = z.infer<typeof JobLite>

const Items = z.object({ items: z.array(JobLite) })
const Page = z.object({ items: z.array(JobLite), nextCursor: z.string().nullable() })
const WaitReply = z.object({ done: z.array(JobLite), pending: z.array(JobLite) })
export type WaitReply = z.infer<typeof WaitReply>

/** Epoch ms of an ISO time, or NaN when absent. */
export const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : Number.NaN)

export interface JobSpec {
  type: string
  params?: unknown
  timeoutMs?: number
  labels?: Record<string, string>
}

/** Creates the jobs through `POST /v1/jobs/batch`, 1000 at a time, in order. */
export async function createBatch(client: HttpClient, jobs: readonly JobSpec[]): Promise<JobLite[]> {
  const out: JobLite[] = []
  for (const part of chunks(jobs, 1000)) {
    const reply = await client.json('POST', '/v1/jobs/batch', { jobs: part }, [201])
    out.push(...Items.parse(reply.body).items)
  }
  return out
}

/** One `POST /v1/jobs/wait`; resolves with the parsed reply and its timing. */
export async function waitJobs(
  client: HttpClient,
  ids: readonly string[],
  timeoutMs: number,
  returnWhen = 'all_completed',
) {
  const reply = await client.json('POST', '/v1/jobs/wait', { ids, timeoutMs, returnWhen }, [200])
  return { ...reply, result: WaitReply.parse(reply.body) }
}

/** Waits until every id is terminal (in chunks of 1000 ids); returns the final records. */
export async function waitAll(client: HttpClient, ids: readonly string[], timeoutMs: number) {
  const parts = await Promise.all(chunks(ids, 1000).map((part) => waitJobs(client, part, timeoutMs)))
  const pending = parts.reduce((n, p) => n + p.result.pending.length, 0)
  if (pending > 0) throw new Error(`${pending} jobs still pending after ${timeoutMs} ms`)
  return parts.flatMap((p) => p.result.done)
}

/** `GET /v1/jobs?…`: one page. */
export async function listPage(client: HttpClient, query: string) {
  const reply = await client.json('GET', `/v1/jobs?${query}`, undefined, [200])
  return { ...reply, page: Page.parse(reply.body) }
}

/** The keyset cursor of SPEC §5: base64url of the last id seen. */
export const cursorFor = (id: string) => Buffer.from(id, 'utf8').toString('base64url')

/** Throws unless every job ended in `state`. */
export function expectAll(jobs: readonly JobLite[], state: string, what: string): void {
  const wrong = jobs.filter((j) => j.state !== state)
  if (wrong.length > 0) {
    throw new Error(
      `${what}: ${wrong.length} of ${jobs.length} jobs are not ${state} (e.g. ${wrong[0]?.state})`,
    )
  }
}
