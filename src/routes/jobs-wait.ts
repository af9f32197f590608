import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { JobEngine } from '../jobs/engine.ts'
import { ReturnWhen } from '../model/job-input.ts'
import { clientGoneSignal } from './disconnect.ts'
import { HttpProblem } from './problem.ts'
import { JobView, ProblemBody, toJobView } from './schemas.ts'

export const MAX_WAIT_IDS = 1000
/** A wait is a long poll: bounded so a forgotten client cannot hold a request for ever. */
export const MAX_WAIT_MS = 600_000

const WaitBody = z
  .object({
    ids: z
      .array(z.string().min(1).max(100))
      .min(1)
      .max(MAX_WAIT_IDS)
      .refine((ids) => new Set(ids).size === ids.length, 'ids must be distinct')
      .meta({ uniqueItems: true }),
    timeoutMs: z.number().int().min(0).max(MAX_WAIT_MS).default(30_000).describe('0 polls; default 30 s'),
    returnWhen: ReturnWhen.default('all_completed'),
    cancelPending: z
      .boolean()
      .default(false)
      .describe('Cancel the jobs still pending when the wait ends (needs a write token)'),
  })
  .meta({
    id: 'WaitInput',
    description: 'SPEC §3 wait: returns as soon as returnWhen holds or timeoutMs passes',
  })
const WaitResult = z.object({ done: z.array(JobView), pending: z.array(JobView) }).meta({
  id: 'WaitResult',
  description: 'Jobs that completed and those still pending (after any cancelPending)',
})

export const jobsWaitRoutes: FastifyPluginAsyncZod<{ engine: JobEngine }> = async (app, { engine }) => {
  // Before the server closes its connections (forceCloseConnections cuts them): every wait still
  // held answers with its jobs as they are now, rather than the client seeing a reset connection.
  // Each held wait is ended directly, not through AbortSignal.any with one shutdown signal: on
  // Node 20 that left a WeakRef on the shutdown signal per wait, for ever (130k after four
  // minutes of the P10 soak).
  let closing: Error | null = null
  const held = new Set<ReturnType<typeof clientGoneSignal>>()
  const replies = new Set<Promise<void>>()
  app.addHook('preClose', async () => {
    closing = new Error('the service is shutting down')
    for (const wait of held) wait.abort(closing)
    await Promise.all(replies)
  })

  app.post(
    '/jobs/wait',
    {
      // Waiting only reads; `cancelPending` changes state and is checked against the role below.
      config: { access: 'read' },
      schema: {
        summary: 'Wait for jobs (asyncio.wait over HTTP)',
        operationId: 'waitForJobs',
        description: `Answers when returnWhen holds or timeoutMs passes. A wait held while the service shuts down
answers at once with the jobs as they are then (cancelPending is not applied), before connections close.`,
        tags: ['jobs'],
        body: WaitBody,
        response: { 200: WaitResult, 404: ProblemBody, 503: ProblemBody },
      },
    },
    async (req, reply) => {
      if (req.body.cancelPending && req.principal?.role === 'read') {
        throw new HttpProblem(403, 'Forbidden', 'cancelPending needs a write token')
      }
      // A client that disconnects releases the wait's timers and listeners at once; so does a
      // shutdown. Neither cancels pending jobs (cancelPending is for the wait's own end).
      const ended = clientGoneSignal(reply)
      if (closing) ended.abort(closing)
      held.add(ended)
      const replied = new Promise<void>((resolve) => reply.raw.once('close', resolve))
      replies.add(replied)
      void replied.then(() => replies.delete(replied))
      try {
        const { done, pending } = await engine.wait(req.body.ids, { ...req.body, signal: ended.signal })
        return { done: done.map(toJobView), pending: pending.map(toJobView) }
      } finally {
        held.delete(ended)
        ended.release()
      }
    },
  )
}
