import type supertest from 'supertest'

/** What a truthy value of T can be: `cond && value` predicates yield the value. */
type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>

/** Polls `predicate` until it holds (graphile's sleepUntil); never a bare sleep in a test. */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 5000, intervalMs = 5 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await predicate()
    if (value) return value as Truthy<T>
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** What `supertest(server)` returns; the tests' HTTP client. */
type Client = ReturnType<typeof supertest>

/** Polls `GET /v1/jobs/{id}` until the job is in one of `states`; returns it as read then. */
export function jobInState(request: Client, id: string, ...states: string[]) {
  return waitFor(async () => {
    const body = (await request.get(`/v1/jobs/${id}`)).body
    return states.includes(body.state) && body
  })
}
