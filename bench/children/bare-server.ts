/**
 * P1's reference: a bare Fastify 5 POST route with a zod body (fastify-type-provider-zod) and the
 * same pino logger jobvisor uses (src/logger.ts, info level, request logging on, stdout).
 * P8's reference: `POST /v1/hold` long-polls until `releaseAt`, when one timer answers every held
 * request at once with a job-sized body — the platform's cost of a fan-out of replies.
 */
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyBaseLogger } from 'fastify'
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { createLogger } from '../../src/logger.ts'

// The shape of a job-create body, without jobvisor's store or engine behind it.
const Body = z.object({
  type: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/),
  params: z.unknown().default({}),
  priority: z.number().int().min(-1000).max(1000).default(0),
  timeoutMs: z.number().int().min(1).optional(),
  labels: z.record(z.string(), z.string().max(200)).optional(),
})

const app = Fastify({
  loggerInstance: createLogger({ level: process.env.LOG_LEVEL ?? 'info' }) as FastifyBaseLogger,
}).withTypeProvider<ZodTypeProvider>()
app.setValidatorCompiler(validatorCompiler)
app.setSerializerCompiler(serializerCompiler)
app.get('/readyz', async () => ({ status: 'ok' }))
app.post('/v1/jobs', { schema: { body: Body } }, async (req, reply) => {
  reply.code(201)
  return { id: randomUUID(), state: 'queued', ...req.body, createdAt: new Date().toISOString() }
})
const Hold = z.object({ releaseAt: z.number().int() })
const held = new Map<number, ((releasedAt: number) => void)[]>()
app.post('/v1/hold', { schema: { body: Hold } }, async (req) => {
  const { releaseAt } = req.body
  let waiters = held.get(releaseAt)
  if (!waiters) {
    const list: ((releasedAt: number) => void)[] = []
    held.set(releaseAt, list)
    setTimeout(() => {
      held.delete(releaseAt)
      const now = Date.now()
      for (const release of list) release(now)
    }, releaseAt - Date.now())
    waiters = list
  }
  const releasedAt = await new Promise<number>((resolve) => waiters.push(resolve))
  const at = new Date(releasedAt).toISOString()
  const job = { id: randomUUID(), type: 'sleep', params: { ms: 2000 }, state: 'succeeded', priority: 0 }
  return {
    done: [{ ...job, attempt: 1, labels: {}, result: { sleptMs: 2000 }, finishedAt: at, updatedAt: at }],
    pending: [],
  }
})
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
